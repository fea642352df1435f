// Every Redfish resource a BMC serves, one file per area under resources/.
import { accountRoutes } from './resources/accounts.js';
import { chassisRoutes } from './resources/chassis.js';
import { chassisSubsystemRoutes } from './resources/chassis-subsystems.js';
import { eventServiceRoutes } from './resources/event-service.js';
import { logServiceRoutes } from './resources/log-service.js';
import { managerRoutes } from './resources/manager.js';
import { metadataRoutes } from './resources/metadata.js';
import { serviceRootRoutes } from './resources/service-root.js';
import { sessionRoutes } from './resources/sessions.js';
import { systemInventoryRoutes } from './resources/system-inventory.js';
import { systemRoutes } from './resources/system.js';
import { taskServiceRoutes } from './resources/task-service.js';
import { updateServiceRoutes } from './resources/update-service.js';
import { virtualMediaRoutes } from './resources/virtual-media.js';
import type { Route } from './route.js';

export const REDFISH_ROUTES: readonly Route[] = [
  ...serviceRootRoutes,
  ...metadataRoutes,
  ...sessionRoutes,
  ...accountRoutes,
  ...systemRoutes,
  ...systemInventoryRoutes,
  ...managerRoutes,
  ...logServiceRoutes,
  ...virtualMediaRoutes,
  ...chassisRoutes,
  ...chassisSubsystemRoutes,
  ...updateServiceRoutes,
  ...taskServiceRoutes,
  ...eventServiceRoutes,
];
