// The few platform globals this package relies on, present in Node 20+ and every current
// browser. Declared here because the package compiles without DOM or Node types, so that an
// accidental dependency on either fails the typecheck.
declare class TextEncoder {
  encode(input: string): Uint8Array;
}
declare class TextDecoder {
  constructor(label?: string, options?: { fatal?: boolean });
  decode(input: Uint8Array): string;
}
declare function btoa(data: string): string;
declare function atob(data: string): string;
