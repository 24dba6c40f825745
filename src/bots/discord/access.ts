/** Who asked, as far as the allow-list cares. */
export interface Asker {
  guildId: string | null;
  roleIds: readonly string[];
}

export interface AccessList {
  guilds: readonly string[];
  roles: readonly string[];
}

/**
 * The optional allow-list: with guilds set, only those guilds (and no DMs); with roles set, only members holding
 * one of them. Empty lists allow everyone.
 */
export function isAllowed(list: AccessList, who: Asker): boolean {
  if (list.guilds.length > 0 && (who.guildId === null || !list.guilds.includes(who.guildId))) return false;
  if (list.roles.length > 0 && !who.roleIds.some((r) => list.roles.includes(r))) return false;
  return true;
}
