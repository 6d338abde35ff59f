import 'reflect-metadata';
import { ConfigError, loadConfig } from './config/config';
import { createDataSource, ensureDatabase } from './database/data-source';
import { loadDemoData } from './demo/demo-data';

const usage = `usage: wakeward-cli <command>
  migrate      create the database if missing and apply every pending migration
  revert       revert the last applied migration
  seed-demo    load the demo hospitals, sites, agents, kiosks, rules and users (DEMO=true only)`;

async function main(command: string | undefined) {
  const config = loadConfig();
  const dataSource = createDataSource(config.db);
  switch (command) {
    case 'migrate': {
      await ensureDatabase(config.db);
      await dataSource.initialize();
      const applied = await dataSource.runMigrations({ transaction: 'each' });
      console.log(applied.length ? `applied ${applied.map((m) => m.name).join(', ')}` : 'database is up to date');
      break;
    }
    case 'revert':
      await dataSource.initialize();
      await dataSource.undoLastMigration({ transaction: 'each' });
      console.log('reverted the last migration');
      break;
    case 'seed-demo': {
      if (!config.demo) throw new ConfigError(['DEMO: demo data loads only with DEMO=true (never in production)']);
      await dataSource.initialize();
      const summary = await loadDemoData(dataSource);
      console.log(summary);
      break;
    }
    default:
      console.error(usage);
      process.exitCode = 2;
      return;
  }
  await dataSource.destroy();
}

main(process.argv[2]).catch((err) => {
  console.error(err instanceof ConfigError ? err.message : err);
  process.exit(1);
});
