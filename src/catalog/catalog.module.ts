import { Module } from '@nestjs/common';
import { CollectionRecords } from './collection-records';
import { DocumentRecords } from './document-records';
import { JobOutcomes } from './job-outcomes';
import { MigrationClaims } from './migration-claims';
import { WriteAdmissions } from './write-admission';

const repositories = [
  CollectionRecords,
  DocumentRecords,
  WriteAdmissions,
  MigrationClaims,
  // Workers write a finished job's outcome; the API reads it once the job is removed.
  JobOutcomes,
];

/** The catalog in Redis, one repository per responsibility (Redis and config are global). */
@Module({ providers: repositories, exports: repositories })
export class CatalogModule {}
