import type { ClusterMember, MemberRole, MembershipStore } from '../membership/membershipStore';
import { statement, type PostgresDatabase } from './database';

const SQL = {
  heartbeatMember: statement(
    'heartbeat_member',
    `INSERT INTO cluster_members (role, instance_id, address, heartbeat_at) VALUES ($1, $2, $3, $4)
     ON CONFLICT (role, instance_id) DO UPDATE SET address = excluded.address, heartbeat_at = excluded.heartbeat_at`,
  ),
  liveMembers: statement(
    'live_members',
    'SELECT instance_id, address, heartbeat_at FROM cluster_members WHERE role = $1 AND heartbeat_at >= $2 ORDER BY instance_id',
  ),
  removeMember: statement('remove_member', 'DELETE FROM cluster_members WHERE role = $1 AND instance_id = $2'),
  insertClusterId: statement(
    'insert_cluster_id',
    'INSERT INTO cluster_metadata (cluster_name, cluster_id) VALUES ($1, $2) ON CONFLICT (cluster_name) DO NOTHING',
  ),
  clusterId: statement('cluster_id', 'SELECT cluster_id FROM cluster_metadata WHERE cluster_name = $1'),
} as const;

export function postgresMembership(db: PostgresDatabase): MembershipStore {
  return {
    async heartbeatMember(role: MemberRole, instanceId: string, address: string): Promise<void> {
      await db.read(SQL.heartbeatMember, [role, instanceId, address, Date.now()]);
    },

    async listMembers(role: MemberRole, aliveSince: Date): Promise<ClusterMember[]> {
      const rows = await db.read<{ instance_id: string; address: string; heartbeat_at: number }>(SQL.liveMembers, [role, aliveSince.getTime()]);
      return rows.map((r) => ({ role, instanceId: r.instance_id, address: r.address, heartbeatAt: new Date(r.heartbeat_at) }));
    },

    async removeMember(role: MemberRole, instanceId: string): Promise<void> {
      await db.read(SQL.removeMember, [role, instanceId]);
    },

    async clusterId(clusterName: string, candidate: string): Promise<string> {
      // The first process to ask stores its candidate; everyone reads the stored one.
      await db.read(SQL.insertClusterId, [clusterName, candidate]);
      const [row] = await db.read<{ cluster_id: string }>(SQL.clusterId, [clusterName]);
      return row!.cluster_id;
    },
  };
}
