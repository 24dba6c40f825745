/**
 * One load per key for the life of the process (models are expensive to open); a failed load is forgotten, so the
 * operator can fix the cause (a missing file, a bad setting) and the next call tries again.
 */
export function loadOnce<T>(cache: Map<string, Promise<T>>, key: string, load: () => Promise<T>): Promise<T> {
  let loaded = cache.get(key);
  if (!loaded) {
    loaded = load();
    cache.set(key, loaded);
    loaded.catch(() => cache.delete(key));
  }
  return loaded;
}
