export { FakeClock } from "./fake-clock.js";
export { seededRandom, randomUuid } from "./seeded-random.js";
export { tempDir, type TempDir } from "./temp-dir.js";
export { waitFor, type WaitForOptions } from "./wait-for.js";
export {
  useStores,
  registerTestAccount,
  linkTestDevice,
  newDevice,
  newEnvelope,
  signedKey,
  randomIdentityKey,
  peerStores,
  type StoresFixture,
  type StoresFactory,
  type BusFixture,
  type BusFactory,
  type StoreContext,
  type TestAccount,
} from "./store-fixtures.js";
export { describeMailboxStoreContract } from "./mailbox-store-contract.js";
export { describeAccountStoreContract } from "./account-store-contract.js";
export { describeLinkDeviceContract } from "./link-device-contract.js";
export { describeDeviceListContract } from "./device-list-contract.js";
export { describeKeyStoreContract } from "./key-store-contract.js";
export { describeVerificationStoreContract } from "./verification-store-contract.js";
export { describeFactorStoreContract } from "./factor-store-contract.js";
export {
  SoftwareAuthenticator,
  type SoftwareAuthenticatorOptions,
  type AssertionTampering,
  type SoftwareRegistrationResponse,
  type SoftwareAuthenticationResponse,
} from "./software-authenticator.js";
export { describeOidcStoreContract } from "./oidc-store-contract.js";
export { describeBusContract } from "./bus-contract.js";
export {
  natsTestTarget,
  natsServerBinary,
  natsAnswers,
  describeSkipped,
  uniqueSubjectPrefix,
  freePort,
  startNatsServer,
  startTcpProxy,
  type Needed,
  type NatsServerProcess,
  type TcpProxy,
} from "./nats-fixture.js";
export { describeStoresContract } from "./stores-contract.js";
export { describeKeyValueStoreContract, type KeyValueStoreFixture } from "./key-value-store-contract.js";
export {
  DEFAULT_POSTGRES_TEST_URL,
  postgresTestUrl,
  createTestSchema,
  createTestDatabase,
  postgresStoresFactory,
  postgresUnavailableReason,
  describeWithPostgres,
  type PostgresStoresOpener,
  type PostgresTestStoresOptions,
  type TestSchema,
  type TestDatabase,
} from "./postgres-fixture.js";
export { DEFAULT_REDIS_TEST_URL, redisTestUrl, uniqueRedisKeyPrefix, redisUnavailableReason, describeWithRedis } from "./redis-fixture.js";

// Test server and API-level helpers.
export { registerAccount, linkDevice, uniqueUsername, type RegisteredDevice, type RegistrationTarget } from "./accounts.js";
export { ApiClient, type ApiResponse } from "./api-client.js";
export { CapturedVerificationSender } from "./captured-sender.js";
export {
  makeIdentity,
  makeDeviceKeys,
  makeSignedPreKey,
  makeKyberPreKey,
  makePreKeys,
  type DeviceKeys,
} from "./device-keys.js";
export { generateOpenApiDocument, serializeOpenApiDocument, type OpenApiDocument } from "./openapi-document.js";
export { startTestServer, type TestServer, type TestServerOptions } from "./test-server.js";
export { TestSocket, type TestSocketOptions } from "./test-socket.js";
export { WebhookCodeReceiver } from "./webhook-code-receiver.js";
export { NginxProcess, nginxAvailable, testNginxConfig } from "./nginx-process.js";
export { opensslBinary, makeTestCertificate, tlsHandshake, type TestCertificate, type TlsHandshake } from "./tls-certificate.js";
export { httpsFetch, type FetchFunction } from "./https-fetch.js";
export { checkStoreConsistency, type StoreConsistencyLimits, type StoreConsistencyOptions, type StoreConsistencyReport } from "./store-consistency.js";
export { fuzzSeed, formatOutcomes, FuzzFailure, type FuzzResult, type FuzzRunOptions } from "./fuzz/fuzz-run.js";
export { FuzzServer, fuzzLimits } from "./fuzz/fuzz-server.js";
export { fuzzTargets, fuzzTarget, fuzzRuns, runFuzzSession, assertConsistent, type FuzzTarget, type FuzzSessionOptions } from "./fuzz/fuzz-targets.js";
export { Browser } from "./cookie-browser.js";
