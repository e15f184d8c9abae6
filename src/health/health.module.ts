import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { EmbeddingModule } from '../embedding/embedding.module';
import { HealthController } from './health.controller';
import { ReadinessMetrics } from './readiness-metrics';
import { ReadinessService } from './readiness.service';

/** /v1/health and /v1/health/ready, and the readiness gauges, alike in every role. */
@Module({
  imports: [TerminusModule, EmbeddingModule],
  controllers: [HealthController],
  providers: [ReadinessService, ReadinessMetrics],
})
export class HealthModule {}
