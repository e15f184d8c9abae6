import { Module } from '@nestjs/common';
import { BatchersService } from './batchers.service';

/** The adaptive batchers of store writes: import it only into worker parts. */
@Module({ providers: [BatchersService], exports: [BatchersService] })
export class BatchingModule {}
