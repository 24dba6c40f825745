import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { STUDIO_ASSETS_PATH } from './page.js';

/**
 * The studio's static files under /studio/assets/: our web/studio/ folder (found from the package root, so it works
 * from src/ through tsx and from dist/ alike) and tus-js-client's browser bundle straight from node_modules. A fixed
 * allow-list: a URL never becomes a path.
 */

const JS = 'text/javascript; charset=utf-8';
const CSS = 'text/css; charset=utf-8';
const SVG = 'image/svg+xml; charset=utf-8';

/** The folder holding this package's package.json, walking up from this module. */
export function packageRoot(from: string = path.dirname(fileURLToPath(import.meta.url))): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json')) && existsSync(path.join(dir, 'web', 'studio'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`web/studio not found above ${from}`);
  }
}

function tusBundlePath(root: string): string {
  try {
    return createRequire(path.join(root, 'package.json')).resolve('tus-js-client/dist/tus.min.js');
  } catch {
    return path.join(root, 'node_modules', 'tus-js-client', 'dist', 'tus.min.js');
  }
}

export interface StudioAsset {
  file: string;
  type: string;
}

/** Every file served, by its name under /studio/assets/. */
export function studioAssets(root: string = packageRoot()): ReadonlyMap<string, StudioAsset> {
  const web = path.join(root, 'web', 'studio');
  return new Map([
    ['studio.js', { file: path.join(web, 'studio.js'), type: JS }],
    ['studio.css', { file: path.join(web, 'studio.css'), type: CSS }],
    ['icon.svg', { file: path.join(web, 'icon.svg'), type: SVG }],
    ['tus.min.js', { file: tusBundlePath(root), type: JS }],
  ]);
}

interface Loaded {
  mtimeMs: number;
  size: number;
  body: Buffer;
  etag: string;
}

/** Registers GET (and HEAD) /studio/assets/:name. Files are read when asked for (and kept until they change). */
export async function studioAssetRoutes(app: FastifyInstance, opts: { root?: string } = {}): Promise<void> {
  const assets = studioAssets(opts.root ?? packageRoot());
  const cache = new Map<string, Loaded>();

  async function load(asset: StudioAsset): Promise<Loaded> {
    const info = await stat(asset.file);
    const hit = cache.get(asset.file);
    if (hit && hit.mtimeMs === info.mtimeMs && hit.size === info.size) return hit;
    const body = await readFile(asset.file);
    const loaded = { mtimeMs: info.mtimeMs, size: info.size, body, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"` };
    cache.set(asset.file, loaded);
    return loaded;
  }

  app.get<{ Params: { name: string } }>(`${STUDIO_ASSETS_PATH}/:name`, async (request: FastifyRequest<{ Params: { name: string } }>, reply: FastifyReply) => {
    const asset = assets.get(request.params.name);
    if (!asset) return reply.callNotFound();
    const loaded = await load(asset);
    // Unversioned URLs: browsers keep the file but ask each time whether it changed (a 304 costs nothing).
    reply.header('Cache-Control', 'no-cache').header('ETag', loaded.etag).type(asset.type);
    if (request.headers['if-none-match'] === loaded.etag) return reply.code(304).send();
    return reply.send(loaded.body);
  });
}
