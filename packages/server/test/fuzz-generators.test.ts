// The fuzz generators themselves: inputs they build stay within what the runtime can hold.
import { describe, expect, it } from "vitest";
import { applyJsonMutations, type JsonMutation } from "../../testkit/src/fuzz/json-fuzz.js";

describe("JSON mutations", () => {
  it("caps repeats that compound on one slot, for strings and for arrays", () => {
    const again = (n: number): JsonMutation[] => Array.from({ length: n }, () => ({ kind: "repeat", at: 0, times: 64 }));
    const text = applyJsonMutations("198.18.0.1, ", again(8));
    expect(typeof text).toBe("string");
    expect((text as string).length).toBeLessThanOrEqual(1 << 20);
    expect((text as string).length).toBeGreaterThan(1 << 19);
    const list = applyJsonMutations([1, 2, 3], again(8));
    expect(Array.isArray(list)).toBe(true);
    expect((list as unknown[]).length).toBe(1 << 14);
  });
});
