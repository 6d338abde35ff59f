import { MigrationInterface, QueryRunner } from 'typeorm';

/** Fleet registry: hospitals, sites, kiosks, agents, power rules, users and the audit log. */
export class FleetRegistry1764000000000 implements MigrationInterface {
  name = 'FleetRegistry1764000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE hospitals (
      id CHAR(36) NOT NULL PRIMARY KEY,
      code VARCHAR(32) NOT NULL,
      name VARCHAR(200) NOT NULL,
      created_at DATETIME(3) NOT NULL,
      updated_at DATETIME(3) NOT NULL,
      UNIQUE KEY uq_hospitals_code (code)
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);
    await q.query(`CREATE TABLE sites (
      id CHAR(36) NOT NULL PRIMARY KEY,
      hospital_id CHAR(36) NOT NULL,
      name VARCHAR(200) NOT NULL,
      time_zone VARCHAR(64) NOT NULL,
      created_at DATETIME(3) NOT NULL,
      updated_at DATETIME(3) NOT NULL,
      UNIQUE KEY uq_sites_hospital_name (hospital_id, name),
      CONSTRAINT fk_sites_hospital FOREIGN KEY (hospital_id) REFERENCES hospitals (id)
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);
    await q.query(`CREATE TABLE kiosks (
      id CHAR(36) NOT NULL PRIMARY KEY,
      hospital_id CHAR(36) NOT NULL,
      site_id CHAR(36) NOT NULL,
      code VARCHAR(64) NOT NULL,
      name VARCHAR(200) NOT NULL,
      kind VARCHAR(32) NOT NULL,
      location VARCHAR(200) NOT NULL DEFAULT '',
      ip VARCHAR(45) NULL,
      mac CHAR(17) NOT NULL,
      subnet VARCHAR(43) NULL,
      vnc_port INT NOT NULL DEFAULT 5900,
      shutdown_method JSON NULL,
      created_at DATETIME(3) NOT NULL,
      updated_at DATETIME(3) NOT NULL,
      UNIQUE KEY uq_kiosks_hospital_code (hospital_id, code),
      UNIQUE KEY uq_kiosks_hospital_mac (hospital_id, mac),
      KEY ix_kiosks_site (site_id),
      CONSTRAINT fk_kiosks_hospital FOREIGN KEY (hospital_id) REFERENCES hospitals (id),
      CONSTRAINT fk_kiosks_site FOREIGN KEY (site_id) REFERENCES sites (id)
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);
    await q.query(`CREATE TABLE agents (
      id CHAR(36) NOT NULL PRIMARY KEY,
      site_id CHAR(36) NOT NULL,
      name VARCHAR(100) NOT NULL,
      location VARCHAR(200) NOT NULL DEFAULT '',
      subnets JSON NOT NULL,
      token_hash CHAR(64) NULL,
      token_revoked_at DATETIME(3) NULL,
      hostname VARCHAR(255) NULL,
      version VARCHAR(40) NULL,
      last_heartbeat_at DATETIME(3) NULL,
      clock_skew_ms INT NULL,
      created_at DATETIME(3) NOT NULL,
      updated_at DATETIME(3) NOT NULL,
      UNIQUE KEY uq_agents_site_name (site_id, name),
      UNIQUE KEY uq_agents_token_hash (token_hash),
      CONSTRAINT fk_agents_site FOREIGN KEY (site_id) REFERENCES sites (id)
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);
    await q.query(`CREATE TABLE power_rules (
      id CHAR(36) NOT NULL PRIMARY KEY,
      hospital_id CHAR(36) NOT NULL,
      name VARCHAR(200) NOT NULL,
      scope_kind VARCHAR(16) NOT NULL,
      site_id CHAR(36) NULL,
      kiosk_ids JSON NULL,
      layer VARCHAR(16) NOT NULL,
      days JSON NULL,
      from_date DATE NULL,
      until_date DATE NULL,
      windows JSON NOT NULL,
      priority INT NOT NULL DEFAULT 0,
      created_at DATETIME(3) NOT NULL,
      updated_at DATETIME(3) NOT NULL,
      KEY ix_power_rules_hospital (hospital_id),
      KEY ix_power_rules_site (site_id),
      CONSTRAINT fk_power_rules_hospital FOREIGN KEY (hospital_id) REFERENCES hospitals (id),
      CONSTRAINT fk_power_rules_site FOREIGN KEY (site_id) REFERENCES sites (id)
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);
    await q.query(`CREATE TABLE users (
      id CHAR(36) NOT NULL PRIMARY KEY,
      username VARCHAR(64) NOT NULL,
      display_name VARCHAR(200) NOT NULL DEFAULT '',
      password_hash VARCHAR(255) NOT NULL,
      role VARCHAR(16) NOT NULL,
      disabled TINYINT(1) NOT NULL DEFAULT 0,
      last_login_at DATETIME(3) NULL,
      created_at DATETIME(3) NOT NULL,
      updated_at DATETIME(3) NOT NULL,
      UNIQUE KEY uq_users_username (username)
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);
    await q.query(`CREATE TABLE user_hospitals (
      user_id CHAR(36) NOT NULL,
      hospital_id CHAR(36) NOT NULL,
      PRIMARY KEY (user_id, hospital_id),
      KEY ix_user_hospitals_hospital (hospital_id),
      CONSTRAINT fk_user_hospitals_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE,
      CONSTRAINT fk_user_hospitals_hospital FOREIGN KEY (hospital_id) REFERENCES hospitals (id)
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);
    await q.query(`CREATE TABLE audit_entries (
      id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
      at DATETIME(3) NOT NULL,
      actor_id CHAR(36) NULL,
      actor_name VARCHAR(64) NOT NULL,
      action VARCHAR(40) NOT NULL,
      entity_type VARCHAR(40) NOT NULL,
      entity_id VARCHAR(64) NULL,
      hospital_id CHAR(36) NULL,
      \`before\` JSON NULL,
      \`after\` JSON NULL,
      request_id VARCHAR(64) NULL,
      ip VARCHAR(45) NULL,
      KEY ix_audit_at (at),
      KEY ix_audit_hospital_at (hospital_id, at),
      KEY ix_audit_entity (entity_type, entity_id),
      KEY ix_audit_actor_at (actor_id, at)
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of ['audit_entries', 'user_hospitals', 'users', 'power_rules', 'agents', 'kiosks', 'sites', 'hospitals']) {
      await q.query(`DROP TABLE ${table}`);
    }
  }
}
