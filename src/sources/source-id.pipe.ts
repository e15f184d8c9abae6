import { Injectable, PipeTransform } from '@nestjs/common';
import { z } from 'zod';
import { parseOr400 } from '../common/validation';

/** A source id as SourcesService makes them: the collection's name, a dot, 12 hex digits. */
const sourceIdSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,62}\.[0-9a-f]{12}$/, 'is not a source id');

/** The `:id` route parameter of /v1/collections/:name/sources/:id, or 400 naming it. */
@Injectable()
export class SourceIdPipe implements PipeTransform<string, string> {
  transform(id: string): string {
    return parseOr400(sourceIdSchema, id, 'source id');
  }
}
