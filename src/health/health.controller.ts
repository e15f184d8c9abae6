import { Controller, Get, Inject } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckResult } from '@nestjs/terminus';
import { Public } from '../auth/auth.guard';
import { ApiContract } from '../common/openapi';
import { Liveness, livenessSchema, readinessSchema } from '../contract/health';
import { APP_CONFIG, AppConfig } from '../config/config';
import { ReadinessService } from './readiness.service';

@ApiTags('health')
@Public()
@Controller('v1/health')
export class HealthController {
  constructor(
    private readonly readiness: ReadinessService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Liveness: the process answers' })
  @ApiContract({ public: true, responses: { 200: livenessSchema } })
  live(): Liveness {
    return { status: 'ok', role: this.config.role, uptimeSeconds: Math.round(process.uptime()) };
  }

  @Get('ready')
  // above @HealthCheck, so that these replace the answers Terminus documents
  @ApiContract({
    public: true,
    responses: { 200: readinessSchema },
    descriptions: { 200: 'ready: every check is up' },
    errors: {
      503: "not ready: error.code 'not_ready', the message names the checks that are down, error.details holds every check",
    },
  })
  @HealthCheck()
  @ApiOperation({
    summary:
      'Readiness: Redis, the vector store and the embedder answer, and no circuit breaker is open',
  })
  async ready(): Promise<HealthCheckResult> {
    return this.readiness.check();
  }
}
