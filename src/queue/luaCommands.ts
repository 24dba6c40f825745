import type { Redis } from 'ioredis';

/** A Lua script defined on the client (ioredis defineCommand): called with ARGV only, our keys derive from ARGV[1]. */
export type LuaCommand = (...args: (string | number)[]) => Promise<unknown>;

/** Defines each script once per client (several stores may share one connection). */
export function defineLuaCommands(redis: Redis, scripts: Readonly<Record<string, string>>): void {
  for (const [name, lua] of Object.entries(scripts)) {
    if (!(name in redis)) redis.defineCommand(name, { numberOfKeys: 0, lua });
  }
}

/** A script defined by defineLuaCommands, bound to its client. */
export function luaCommand(redis: Redis, name: string): LuaCommand {
  const fn = (redis as unknown as Record<string, LuaCommand | undefined>)[name];
  if (!fn) throw new Error(`Lua script ${name} is not defined`);
  return fn.bind(redis);
}
