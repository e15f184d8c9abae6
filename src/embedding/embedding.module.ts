import { Module } from '@nestjs/common';
import { EmbedderRegistry } from './embedder-registry';

/** The configured embedders, one registry per process (config, Redis, metrics and breakers are global). */
@Module({ providers: [EmbedderRegistry], exports: [EmbedderRegistry] })
export class EmbeddingModule {}
