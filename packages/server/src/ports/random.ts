/** Cryptographically secure randomness, injected so tests can seed it. */
export interface Random {
  bytes(length: number): Uint8Array;
}
