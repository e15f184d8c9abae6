import { Injectable, PipeTransform } from '@nestjs/common';
import { parseOr400 } from '../common/validation';
import { collectionNameSchema } from '../contract/collections';

/**
 * The `:name` route parameter as a collection name, or 400 naming it ("collection name: must
 * match ..."), for every route under /v1/collections/:name and /v1/admin/collections/:name.
 */
@Injectable()
export class CollectionNamePipe implements PipeTransform<string, string> {
  transform(name: string): string {
    return parseOr400(collectionNameSchema, name, 'collection name');
  }
}
