import { z } from 'zod';

export const COLLECTION_NAME = /^[a-z0-9][a-z0-9_-]{0,62}$/;

export const collectionNameSchema = z
  .string()
  .regex(
    COLLECTION_NAME,
    'must match ^[a-z0-9][a-z0-9_-]{0,62}$ (lower-case letters, digits, _ and -)',
  );

export const createCollectionSchema = z
  .object({
    embedder: z.string().min(1).max(200).optional(),
    hnsw: z
      .object({
        m: z.number().int().min(4).max(128).optional(),
        efConstruct: z.number().int().min(8).max(2048).optional(),
      })
      .strict()
      .optional(),
    quantization: z.enum(['none', 'int8']).optional(),
    hybrid: z.boolean().optional(),
    defaultMode: z.enum(['dense', 'bm25', 'hybrid']).optional(),
    hybridWeights: z
      .object({ dense: z.number().min(0).max(100), bm25: z.number().min(0).max(100) })
      .strict()
      .refine((w) => w.dense + w.bm25 > 0, 'dense and bm25 weights must not both be 0')
      .optional(),
  })
  .strict();

export type CreateCollectionBody = z.infer<typeof createCollectionSchema>;
