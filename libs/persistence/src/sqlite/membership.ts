import type { ClusterMember, MemberRole, MembershipStore } from '../membership/membershipStore';
import type { SqliteConnection } from './connection';

export function sqliteMembership(conn: SqliteConnection): MembershipStore {
  const p = (sql: string) => conn.db.prepare(sql);
  const s = {
    heartbeatMember: p(
      `INSERT INTO cluster_members (role, instance_id, address, heartbeat_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (role, instance_id) DO UPDATE SET address = excluded.address, heartbeat_at = excluded.heartbeat_at`,
    ),
    liveMembers: p('SELECT instance_id, address, heartbeat_at FROM cluster_members WHERE role = ? AND heartbeat_at >= ? ORDER BY instance_id').raw(),
    removeMember: p('DELETE FROM cluster_members WHERE role = ? AND instance_id = ?'),
    insertClusterId: p('INSERT INTO cluster_metadata (cluster_name, cluster_id) VALUES (?, ?) ON CONFLICT (cluster_name) DO NOTHING'),
    clusterId: p('SELECT cluster_id FROM cluster_metadata WHERE cluster_name = ?').pluck(),
  };

  return {
    async heartbeatMember(role: MemberRole, instanceId: string, address: string): Promise<void> {
      await conn.write(() => void s.heartbeatMember.run(role, instanceId, address, Date.now()));
    },

    async listMembers(role: MemberRole, aliveSince: Date): Promise<ClusterMember[]> {
      return (s.liveMembers.all(role, aliveSince.getTime()) as Array<[string, string, number]>).map(([instanceId, address, at]) => ({
        role,
        instanceId,
        address,
        heartbeatAt: new Date(at),
      }));
    },

    async removeMember(role: MemberRole, instanceId: string): Promise<void> {
      await conn.write(() => void s.removeMember.run(role, instanceId));
    },

    async clusterId(clusterName: string, candidate: string): Promise<string> {
      const stored = s.clusterId.get(clusterName) as string | undefined;
      if (stored) return stored;
      await conn.write(() => void s.insertClusterId.run(clusterName, candidate));
      return s.clusterId.get(clusterName) as string;
    },
  };
}
