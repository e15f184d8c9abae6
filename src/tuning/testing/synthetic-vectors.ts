import type { StoredPoint } from '../../store/vector-store.port';
import { seededRandom } from '../../common/seeded-random';

/**
 * Synthetic vectors clustered like text embeddings, for store benchmarks and tests. Cluster
 * centres are Gaussian vectors normalised onto the unit sphere; each point is its centre plus
 * isotropic Gaussian noise of the same expected norm (σ = 1/√d per dimension), then normalised,
 * so a point's cosine to its centre is ≈ 0.71 and to a cluster sibling ≈ 0.5. Deterministic
 * for a seed. Vectors are returned flat (count × dims).
 */

/** Standard normal deviates from a uniform source (Box-Muller, both values used). */
export function gaussian(random: () => number): () => number {
  let spare: number | null = null;
  return () => {
    if (spare !== null) {
      const s = spare;
      spare = null;
      return s;
    }
    const u = random() || Number.MIN_VALUE;
    const v = random();
    const r = Math.sqrt(-2 * Math.log(u));
    spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  };
}

function normalise(v: Float32Array, offset: number, dims: number): void {
  let norm = 0;
  for (let i = 0; i < dims; i++) norm += v[offset + i] * v[offset + i];
  norm = Math.sqrt(norm) || 1;
  for (let i = 0; i < dims; i++) v[offset + i] /= norm;
}

export function clusterCentres(clusters: number, dims: number, seed: number): Float32Array {
  const normal = gaussian(seededRandom(seed));
  const centres = new Float32Array(clusters * dims);
  for (let c = 0; c < clusters; c++) {
    for (let i = 0; i < dims; i++) centres[c * dims + i] = normal();
    normalise(centres, c * dims, dims);
  }
  return centres;
}

/** `count` unit vectors around randomly chosen centres. */
export function clusteredVectors(
  centres: Float32Array,
  dims: number,
  count: number,
  seed: number,
): Float32Array {
  const random = seededRandom(seed);
  const normal = gaussian(random);
  const clusters = centres.length / dims;
  const sigma = 1 / Math.sqrt(dims);
  const out = new Float32Array(count * dims);
  for (let p = 0; p < count; p++) {
    const c = Math.floor(random() * clusters) * dims;
    const o = p * dims;
    for (let i = 0; i < dims; i++) out[o + i] = centres[c + i] + sigma * normal();
    normalise(out, o, dims);
  }
  return out;
}

/** Point `p` of flat `data` as a stored point: ten points to a document, no metadata. */
export function syntheticPoint(data: Float32Array, dims: number, p: number): StoredPoint {
  return {
    id: `p${p}`,
    vector: data.slice(p * dims, (p + 1) * dims),
    documentId: `d${Math.floor(p / 10)}`,
    chunkIndex: p % 10,
    text: `synthetic point ${p}`,
    contentHash: String(p),
    headingPath: [],
    start: 0,
    end: 0,
    metadata: {},
  };
}
