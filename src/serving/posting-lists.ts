/**
 * Per term, the documents holding it with the term's frequency there: one growable Int32Array
 * of [slot, tf] pairs per term, in no particular order (BM25 accumulates scores term at a time,
 * so order does not matter, and removal can move the last pair into the hole in O(1)).
 */
export class PostingLists {
  private readonly lists: Int32Array[] = [];
  private counts = new Int32Array(1024);

  private static readonly EMPTY = new Int32Array(0);

  /** Adds a pair to a term's list; answers its position there. */
  add(termId: number, slot: number, tf: number): number {
    if (termId >= this.counts.length) {
      const grown = new Int32Array(Math.max(termId + 1, this.counts.length * 2));
      grown.set(this.counts);
      this.counts = grown;
    }
    const count = this.counts[termId];
    let list = this.lists[termId] ?? PostingLists.EMPTY;
    if (list.length < (count + 1) * 2) {
      const grown = new Int32Array(Math.max(4, list.length * 2));
      grown.set(list);
      this.lists[termId] = list = grown;
    }
    list[count * 2] = slot;
    list[count * 2 + 1] = tf;
    this.counts[termId] = count + 1;
    return count;
  }

  /**
   * Removes the pair at `position` of a term's list. The last pair moves into its place:
   * answers the slot of the document that moved (its position is now `position`), or -1.
   */
  removeAt(termId: number, position: number): number {
    const list = this.lists[termId];
    const last = this.counts[termId] - 1;
    this.counts[termId] = last;
    if (last === 0) {
      // a list that emptied gives its memory back (the term id may be reused)
      this.lists[termId] = PostingLists.EMPTY;
      return -1;
    }
    if (position === last) return -1;
    list[position * 2] = list[last * 2];
    list[position * 2 + 1] = list[last * 2 + 1];
    return list[position * 2];
  }

  /** The term's [slot, tf] pairs; only the first documentFrequency(termId) pairs are live. */
  entriesOf(termId: number): Int32Array {
    return this.lists[termId] ?? PostingLists.EMPTY;
  }

  documentFrequency(termId: number): number {
    return termId < this.counts.length ? this.counts[termId] : 0;
  }

  approximateBytes(): number {
    let bytes = this.counts.byteLength;
    for (const list of this.lists) bytes += list ? list.byteLength + 64 : 8;
    return bytes;
  }
}
