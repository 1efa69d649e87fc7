import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { withFrontDoor, withOneClickUnsubscribe } from '../../src/lib/status/front-door';
import { openDatabase } from '../../src/lib/db';
import { unsubscribe } from '../../src/lib/subscriptions/index';

/**
 * The built site behind the front door (src/lib/status/front-door.ts), as scripts/start.ts
 * serves it once it wraps its handler: used by page-crowd.ts. Prints "listening PORT".
 */
process.env.ASTRO_NODE_AUTOSTART = 'disabled';
const outDir = resolve(process.env.ASTRO_OUT_DIR ?? 'dist');
const { handler } = (await import(pathToFileURL(join(outDir, 'server', 'entry.mjs')).href)) as { handler: (req: IncomingMessage, res: ServerResponse) => void };
const db = openDatabase(process.env.DATABASE_PATH!, { migrate: false });
const server = createServer(withOneClickUnsubscribe(withFrontDoor(handler), (token) => unsubscribe(db, token)));
server.keepAliveTimeout = 5000;
server.listen(0, '127.0.0.1', () => process.stdout.write(`listening ${(server.address() as { port: number }).port}\n`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
