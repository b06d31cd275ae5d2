// The committed OpenAPI document (docs/api/openapi.json) must be exactly what the route table
// generates, must document every route with its security requirement, and must be a
// structurally sound OpenAPI 3.1 document. The wire specification (docs/protocol.md) must list
// every route, error code and close code the code defines.
import { readFileSync } from "node:fs";
import { CloseCode, ErrorCode, httpStatusOf } from "@parley/protocol";
import { beforeAll, describe, expect, it } from "vitest";
import { generateOpenApiDocument, serializeOpenApiDocument, type OpenApiDocument } from "../../testkit/src/openapi-document.js";
import { buildRoutes } from "../src/api/routes.js";
import type { Services } from "../src/api/services.js";

const committedPath = new URL("../../../docs/api/openapi.json", import.meta.url);
const protocolDocPath = new URL("../../../docs/protocol.md", import.meta.url);
const methods = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

// The route table's method, path and auth do not depend on the services; the handlers, which
// do, are never called here.
const routes = buildRoutes({} as Services);

/** find-my-way's /v1/keys/:accountId/:deviceId in OpenAPI's form, /v1/keys/{accountId}/{deviceId}. */
const openApiPath = (url: string) => url.replace(/:([A-Za-z0-9_]+)/g, "{$1}");

type Operation = {
  readonly security?: unknown;
  readonly parameters?: readonly { readonly name?: unknown; readonly in?: unknown; readonly required?: unknown }[];
  readonly responses?: Readonly<Record<string, unknown>>;
};

function operations(document: OpenApiDocument): { path: string; method: string; operation: Operation }[] {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => methods.includes(method))
      .map(([method, operation]) => ({ path, method, operation: operation as Operation })),
  );
}

describe("the OpenAPI document", () => {
  let generated: OpenApiDocument;
  beforeAll(async () => {
    generated = await generateOpenApiDocument();
  });

  it("is committed up to date in docs/api/openapi.json", () => {
    let committed: string;
    try {
      committed = readFileSync(committedPath, "utf8");
    } catch {
      throw new Error("docs/api/openapi.json is missing: run npm run openapi");
    }
    expect(committed, "docs/api/openapi.json is stale: run npm run openapi and commit the result").toBe(
      serializeOpenApiDocument(generated),
    );
  });

  it("is generated the same way every time", async () => {
    expect(serializeOpenApiDocument(await generateOpenApiDocument())).toBe(serializeOpenApiDocument(generated));
  });

  it("lists every route of the route table with its security requirement, and nothing else", () => {
    expect(routes.length).toBeGreaterThan(0);
    for (const route of routes) {
      const where = `${route.method} ${route.url}`;
      const operation = generated.paths[openApiPath(route.url)]?.[route.method.toLowerCase()] as Operation | undefined;
      expect(operation, `${where} is missing from the document`).toBeDefined();
      if (route.auth === "device") expect(operation?.security, `${where} must require device credentials`).toEqual([{ device: [] }]);
      else expect(operation?.security, `${where} must not require credentials`).toBeUndefined();
    }
    const documented = operations(generated).map(({ path, method }) => `${method.toUpperCase()} ${path}`);
    expect(documented.sort()).toEqual(routes.map((r) => `${r.method} ${openApiPath(r.url)}`).sort());
  });

  it("is structurally a valid OpenAPI 3.1 document", () => {
    expect(generated.openapi).toBe("3.1.0");
    expect(typeof generated.info.title).toBe("string");
    expect(typeof generated.info.version).toBe("string");
    expect(generated["security"], "no global security: each operation states its own").toBeUndefined();

    const schemes = generated.components?.securitySchemes ?? {};
    expect(schemes["device"]).toMatchObject({ type: "http", scheme: "basic" });

    for (const { path, method, operation } of operations(generated)) {
      const where = `${method.toUpperCase()} ${path}`;
      expect(path.startsWith("/"), `${where}: paths start with /`).toBe(true);
      // Every templated segment is declared as a required path parameter, and nothing more.
      const templated = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
      const declared = (operation.parameters ?? []).filter((p) => p.in === "path");
      expect(declared.map((p) => p.name).sort(), `${where}: path parameters`).toEqual(templated.sort());
      for (const p of declared) expect(p.required, `${where}: path parameter ${String(p.name)} is required`).toBe(true);
      // Responses are keyed by status code, each with a description.
      const responses = Object.entries(operation.responses ?? {});
      expect(responses.length, `${where}: at least one response`).toBeGreaterThan(0);
      for (const [status, response] of responses) {
        expect(status, `${where}: response key`).toMatch(/^([1-5][0-9]{2}|[1-5]XX|default)$/);
        expect(typeof (response as { description?: unknown }).description, `${where} ${status}: description`).toBe("string");
      }
      // Security requirements name declared schemes only.
      for (const requirement of (operation.security ?? []) as Record<string, unknown>[]) {
        for (const name of Object.keys(requirement)) expect(schemes, `${where}: security scheme ${name}`).toHaveProperty(name);
      }
    }

    // Every local reference resolves.
    const refs: string[] = [];
    JSON.stringify(generated, (key, value: unknown) => {
      if (key === "$ref" && typeof value === "string") refs.push(value);
      return value;
    });
    for (const ref of refs) {
      expect(ref.startsWith("#/"), `${ref} is a local reference`).toBe(true);
      let node: unknown = generated;
      for (const part of ref.slice(2).split("/")) {
        const name = part.replace(/~1/g, "/").replace(/~0/g, "~");
        node = typeof node === "object" && node !== null ? (node as Record<string, unknown>)[name] : undefined;
      }
      expect(node, `${ref} resolves`).toBeDefined();
    }
  });
});

describe("the wire specification", () => {
  const doc = readFileSync(protocolDocPath, "utf8");

  it("lists every error code with its status, in the order of the code", () => {
    const begin = doc.indexOf("<!-- error-codes:begin -->");
    const end = doc.indexOf("<!-- error-codes:end -->");
    expect(begin, "docs/protocol.md has the error-codes markers").toBeGreaterThanOrEqual(0);
    const rows = [...doc.slice(begin, end).matchAll(/^\| `([A-Z_]+)` \| (\d{3}) \|/gm)].map((m) => `${m[1]} ${m[2]}`);
    expect(rows).toEqual(Object.values(ErrorCode).map((code) => `${code} ${httpStatusOf(code)}`));
  });

  it("lists every close code", () => {
    for (const [name, code] of Object.entries(CloseCode)) {
      expect(doc, `close code ${code} (${name})`).toMatch(new RegExp(`^\\| ${code} \\| ${name} \\|`, "m"));
    }
  });

  it("lists every route with its auth", () => {
    for (const route of routes) {
      const row = `| ${route.method} | \`${openApiPath(route.url)}\` | ${route.auth} |`;
      expect(doc.includes(row), `docs/protocol.md lists ${row}`).toBe(true);
    }
  });
});
