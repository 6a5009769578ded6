/**
 * The Chromium every browser test, screenshot and the static Storybook check
 * launches. Screenshot baselines only hold for the browser build and the fonts that
 * made them, so both come from `package-lock.json`: the binary shipped inside
 * `@sparticuz/chromium`, unpacked once per install into node_modules/.cache, with the
 * shared libraries and the fallback fonts that ship beside it. A Debian `chromium`
 * on the machine is never used unless GREENLIGHT_CHROMIUM names it (or another build).
 */
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createReadStream, createWriteStream, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { createBrotliDecompress } from 'node:zlib';

export interface TestChromium {
  readonly executablePath: string;
  /** What `chromium --version` printed, e.g. "Chromium 153.0.8010.0". */
  readonly version: string;
  /** Where the binary came from: the npm package pinned by the lockfile, or GREENLIGHT_CHROMIUM. */
  readonly source: string;
  /** Environment for the browser process: its own libraries and a font configuration with only the pinned fonts. */
  readonly env: Readonly<Record<string, string>>;
}

/** Root needs --no-sandbox; the rest keep Chromium off a closed network and its rendering the same run to run. */
export const CHROMIUM_ARGS: readonly string[] = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-dev-shm-usage',
  '--font-render-hinting=none',
  '--disable-partial-raster',
];

const PACKAGE = '@sparticuz/chromium';
const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Unpacks the pinned browser if needed and says which one the tests will use. */
export async function resolveTestChromium(): Promise<TestChromium> {
  const browser = await locateTestChromium();
  const version = execFileSync(browser.executablePath, ['--version'], { env: { ...process.env, ...browser.env }, encoding: 'utf8' }).trim();
  return { ...browser, version };
}

async function locateTestChromium(): Promise<Omit<TestChromium, 'version'>> {
  // The package exports only its entry (build/index.js); its root is one folder up.
  const packageDir = dirname(dirname(createRequire(import.meta.url).resolve(PACKAGE)));
  const packageVersion = (JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as { version: string }).version;
  const unpacked = await unpackPinnedChromium(packageDir, packageVersion);
  const override = process.env['GREENLIGHT_CHROMIUM'];
  const executablePath = override ?? join(unpacked, 'chromium');
  const env: Record<string, string> = {
    // The fontconfig file lists only the fonts that ship with the package, so a
    // glyph a story's web font lacks falls back to the same font on every machine.
    FONTCONFIG_FILE: join(unpacked, 'fonts.conf'),
    ...(override === undefined ? { LD_LIBRARY_PATH: libraryPath(unpacked) } : {}),
  };
  const source = override === undefined ? `${PACKAGE} ${packageVersion} (package-lock.json)` : 'GREENLIGHT_CHROMIUM';
  return { executablePath, source, env };
}

export function describeTestChromium(browser: TestChromium): string {
  return `greenlight: browser tests use ${browser.version} at ${browser.executablePath}, from ${browser.source}`;
}

/**
 * The package's own unpacker writes to a fixed folder in /tmp and reuses whatever
 * it finds there, even another version's browser; this one unpacks into a folder
 * named for the package version, built aside and renamed into place so that two
 * test runs starting together never see half a browser.
 */
async function unpackPinnedChromium(packageDir: string, packageVersion: string): Promise<string> {
  const target = join(REPO_ROOT, 'node_modules', '.cache', 'greenlight-chromium', packageVersion);
  if (existsSync(join(target, 'chromium'))) return target;
  const building = `${target}.${process.pid}.partial`;
  rmSync(building, { recursive: true, force: true });
  mkdirSync(building, { recursive: true });
  const bin = join(packageDir, 'bin');
  await pipeline(createReadStream(join(bin, 'chromium.br')), createBrotliDecompress(), createWriteStream(join(building, 'chromium'), { mode: 0o755 }));
  for (const archive of ['fonts.tar.br', 'swiftshader.tar.br', 'al2023.tar.br']) {
    await untarBrotli(join(bin, archive), building);
  }
  writeFileSync(join(building, 'fonts.conf'), fontConfig(target));
  try {
    renameSync(building, target);
  } catch (error) {
    // Another run finished first: its copy is the same bytes.
    rmSync(building, { recursive: true, force: true });
    if (!existsSync(join(target, 'chromium'))) throw error;
  }
  return target;
}

async function untarBrotli(archive: string, into: string): Promise<void> {
  const tar = spawn('tar', ['-x', '-C', into], { stdio: ['pipe', 'ignore', 'inherit'] });
  const [, [code]] = await Promise.all([pipeline(createReadStream(archive), createBrotliDecompress(), tar.stdin), once(tar, 'close')]);
  if (code !== 0) throw new Error(`greenlight: tar could not unpack ${archive} (exit ${String(code)})`);
}

/** The shared libraries the package ships (NSS, NSPR, expat), so a bare Debian needs none of its own. */
function libraryPath(unpacked: string): string {
  return [unpacked, join(unpacked, 'lib')].join(':');
}

function fontConfig(unpacked: string): string {
  return `<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig>
  <dir>${join(unpacked, 'fonts')}</dir>
  <cachedir>${join(unpacked, 'fonts-cache')}</cachedir>
</fontconfig>
`;
}

/**
 * Shared libraries the browser needs that neither the package nor the machine has,
 * with the Debian package that provides each. The package ships NSS, NSPR and expat,
 * so on Debian only libc and libgcc (always installed) come from the system.
 */
export function missingSharedLibraries(browser: Omit<TestChromium, 'version'>): { library: string; debianPackage: string }[] {
  const ldd = execFileSync('ldd', [browser.executablePath], { env: { ...process.env, ...browser.env }, encoding: 'utf8' });
  return ldd
    .split('\n')
    .filter((line) => line.includes('=> not found'))
    .map((line) => line.trim().split(' ')[0] ?? line)
    .map((library) => ({ library, debianPackage: DEBIAN_PACKAGE_OF[library.replace(/\.so.*$/, '')] ?? 'unknown' }));
}

const DEBIAN_PACKAGE_OF: Readonly<Record<string, string>> = {
  libnss3: 'libnss3',
  libnssutil3: 'libnss3',
  libsmime3: 'libnss3',
  libnspr4: 'libnspr4',
  libplc4: 'libnspr4',
  libplds4: 'libnspr4',
  libexpat: 'libexpat1',
  libgcc_s: 'libgcc-s1',
  libdl: 'libc6',
  libpthread: 'libc6',
  libm: 'libc6',
  libc: 'libc6',
};

// `tsx scripts/test-chromium.ts` unpacks the browser and prints which one the tests
// use; with --missing-packages it prints the Debian packages it still needs, one a line.
if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  if (process.argv.includes('--missing-packages')) {
    const missing = missingSharedLibraries(await locateTestChromium());
    for (const debianPackage of new Set(missing.map((entry) => entry.debianPackage))) console.log(debianPackage);
  } else {
    console.log(describeTestChromium(await resolveTestChromium()));
  }
}
