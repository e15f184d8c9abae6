import { createEmbedder } from './embedder.factory';
import { OpenAiEmbedder } from './openai.embedder';
import { UseLiteEmbedder } from './use-lite.embedder';

describe('createEmbedder', () => {
  it('builds an OpenAI-compatible embedder from its config', async () => {
    const embedder = await createEmbedder({
      provider: 'openai',
      baseUrl: 'http://127.0.0.1:9/v1',
      model: 'bge-small',
      dimensions: 384,
    });
    expect(embedder).toBeInstanceOf(OpenAiEmbedder);
    expect(embedder).toMatchObject({
      id: 'openai:bge-small',
      dimensions: 384,
      maxInputTokens: 512,
    });
    await embedder.close();
  });

  it('fails at creation, not at first use, for an invalid pool size', async () => {
    await expect(UseLiteEmbedder.create({ poolSize: 0 })).rejects.toThrow(/pool size/);
  });
});
