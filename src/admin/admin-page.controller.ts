import { Controller, Get, Param, Req, Res, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiError } from '../common/api-error';
import { Public } from '../auth/auth.guard';
import { AdminAsset, AdminAssets } from './admin-assets';
import { AdminAuthGuard } from './admin-auth';

/** Everything the page loads comes from this origin; no inline script or style is needed. */
const PAGE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
].join('; ');

function send(request: FastifyRequest, reply: FastifyReply, asset: AdminAsset): FastifyReply {
  void reply
    .header('content-type', asset.contentType)
    .header('etag', asset.etag)
    .header('cache-control', 'no-cache')
    .header('x-content-type-options', 'nosniff');
  if (request.headers['if-none-match'] === asset.etag) return reply.code(304).send();
  return reply.code(200).send(asset.body);
}

/** The live performance page (`/admin`) and its static files (`/admin/assets/<file>`). */
@ApiExcludeController()
@Public()
@UseGuards(AdminAuthGuard)
@Controller('admin')
export class AdminPageController {
  constructor(private readonly assets: AdminAssets) {}

  @Get()
  page(@Req() request: FastifyRequest, @Res() reply: FastifyReply): FastifyReply {
    void reply
      .header('content-security-policy', PAGE_CSP)
      .header('x-frame-options', 'DENY')
      .header('referrer-policy', 'no-referrer');
    return send(request, reply, this.asset('index.html'));
  }

  @Get('assets/:file')
  file(
    @Param('file') file: string,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): FastifyReply {
    return send(request, reply, this.asset(file));
  }

  private asset(name: string): AdminAsset {
    const asset = this.assets.get(name);
    if (!asset) throw ApiError.notFound(`admin asset '${name}'`);
    return asset;
  }
}
