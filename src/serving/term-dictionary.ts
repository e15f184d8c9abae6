/**
 * Terms as small integers, shared by every unit (document or chunk) of one lexical index. A
 * term's id lives as long as some unit holds it (reference counts), then is reused, so a
 * long-running service with churning vocabularies (ids, hashes, typos) does not grow without
 * bound.
 */
export class TermDictionary {
  private readonly ids = new Map<string, number>();
  private readonly terms: (string | undefined)[] = [];
  private references = new Int32Array(1024);
  private readonly freeIds: number[] = [];

  idOf(term: string): number | undefined {
    return this.ids.get(term);
  }

  /** The term's id, counting one more unit that holds it. */
  acquire(term: string): number {
    let id = this.ids.get(term);
    if (id === undefined) {
      id = this.freeIds.pop() ?? this.terms.length;
      this.ids.set(term, id);
      this.terms[id] = term;
      if (id >= this.references.length) {
        const grown = new Int32Array(this.references.length * 2);
        grown.set(this.references);
        this.references = grown;
      }
    }
    this.references[id] += 1;
    return id;
  }

  /** One unit fewer holds the term; the last one frees its id. */
  release(id: number): void {
    this.references[id] -= 1;
    if (this.references[id] > 0) return;
    this.ids.delete(this.terms[id] as string);
    this.terms[id] = undefined;
    this.freeIds.push(id);
  }

  approximateBytes(): number {
    let characters = 0;
    for (const term of this.ids.keys()) characters += term.length;
    return this.ids.size * 80 + characters * 2 + this.references.byteLength;
  }
}
