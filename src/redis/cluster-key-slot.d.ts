/** Types for cluster-key-slot (ioredis's own CRC16 slot function; the package ships none). */
declare module 'cluster-key-slot' {
  /** The Redis Cluster slot (0-16383) of a key, honouring its hash tag. */
  function calculateSlot(key: string | Buffer): number;
  export = calculateSlot;
}
