// Writes docs/api/openapi.json, the OpenAPI document generated from the server's route table.
// Run it (`npm run openapi`) whenever a route, schema or response changes; a test fails while
// the committed file differs from what the code generates.
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { generateOpenApiDocument, serializeOpenApiDocument } from "../packages/testkit/src/openapi-document.js";

const target = fileURLToPath(new URL("../docs/api/openapi.json", import.meta.url));
const document = await generateOpenApiDocument();
mkdirSync(dirname(target), { recursive: true });
writeFileSync(target, serializeOpenApiDocument(document));
console.log(`wrote ${Object.keys(document.paths).length} paths to docs/api/openapi.json`);
