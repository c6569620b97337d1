/**
 * What some tests need from outside the repository, and what happens without it.
 *
 * A test file states a requirement with {@link requires}: when the thing is there the tests run; when it
 * is absent they are skipped, and the file prints what is missing and how to get it. Where the
 * environment variable NAS_TEST_REQUIRE names the requirement (a comma-separated list, or `all`; CI sets
 * `all`), an absence is an error instead, so a test that CI expects to run can never be skipped there.
 *
 * Requirements:
 * - `shared`: the NAS-Bench-201 table and the CIFAR-10 files of the shared data folder (see shared-data.ts);
 * - `native`: native TensorFlow for tfjs, installed by `nas backend install`;
 * - `fashion`: Debian's dataset-fashion-mnist package;
 * - `chromium`: a Chromium browser (Debian's `chromium` package) for the report and dashboard tests (browser.ts);
 * - `redis`: a redis-server binary (Debian's redis-server package), which the queue tests start themselves.
 */
export type Requirement = 'shared' | 'native' | 'fashion' | 'chromium' | 'redis';

/** Whether NAS_TEST_REQUIRE makes `kind` mandatory. */
export function isRequired(kind: Requirement): boolean {
  const list = (process.env.NAS_TEST_REQUIRE ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  return list.includes('all') || list.includes(kind);
}

/**
 * Returns whether the tests that need `kind` must be skipped: false when `present`; true (after saying
 * `missing` on stderr) when absent; throws when absent and required by NAS_TEST_REQUIRE.
 */
export function requires(kind: Requirement, present: boolean, missing: string): boolean {
  if (present) return false;
  if (isRequired(kind)) throw new Error(`NAS_TEST_REQUIRE requires '${kind}', but ${missing}`);
  console.warn(`skipped (needs '${kind}'): ${missing}`);
  return true;
}
