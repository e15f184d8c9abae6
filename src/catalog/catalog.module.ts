import { Module } from '@nestjs/common';
import { CollectionRecords } from './collection-records';
import { DocumentRecords } from './document-records';
import { MigrationClaims } from './migration-claims';
import { WriteAdmissions } from './write-admission';

const repositories = [CollectionRecords, DocumentRecords, WriteAdmissions, MigrationClaims];

/** The catalog in Redis, one repository per responsibility (Redis and config are global). */
@Module({ providers: repositories, exports: repositories })
export class CatalogModule {}
