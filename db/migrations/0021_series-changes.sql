CREATE TABLE `series_changes` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`monitor_id` integer,
	`at` integer NOT NULL
);--> statement-breakpoint
CREATE TRIGGER `check_runs_changed_insert` AFTER INSERT ON `check_runs` BEGIN INSERT INTO series_changes (monitor_id, at) VALUES (NEW.monitor_id, NEW.first_at); END;
--> statement-breakpoint
CREATE TRIGGER `check_runs_changed_delete` AFTER DELETE ON `check_runs` BEGIN INSERT INTO series_changes (monitor_id, at) VALUES (OLD.monitor_id, OLD.first_at); END;
--> statement-breakpoint
CREATE TRIGGER `check_runs_changed_update` AFTER UPDATE ON `check_runs` WHEN NOT (NEW.first_at = OLD.first_at AND NEW.status = OLD.status AND NEW.count > OLD.count AND NEW.last_at >= OLD.last_at) OR (NEW.status = 2 AND NEW.count <= max(coalesce((SELECT confirm FROM monitors WHERE id = NEW.monitor_id), 0), coalesce((SELECT max(confirm) FROM monitor_setting_history WHERE monitor_id = NEW.monitor_id), 0))) BEGIN INSERT INTO series_changes (monitor_id, at) VALUES (NEW.monitor_id, min(OLD.first_at, NEW.first_at)); END;
--> statement-breakpoint
CREATE TRIGGER `location_check_runs_changed_insert` AFTER INSERT ON `location_check_runs` BEGIN INSERT INTO series_changes (monitor_id, at) VALUES (NEW.monitor_id, NEW.first_at); END;
--> statement-breakpoint
CREATE TRIGGER `location_check_runs_changed_delete` AFTER DELETE ON `location_check_runs` BEGIN INSERT INTO series_changes (monitor_id, at) VALUES (OLD.monitor_id, OLD.first_at); END;
--> statement-breakpoint
CREATE TRIGGER `location_check_runs_changed_update` AFTER UPDATE ON `location_check_runs` WHEN NOT (NEW.first_at = OLD.first_at AND NEW.status = OLD.status AND NEW.count > OLD.count AND NEW.last_at >= OLD.last_at) OR (NEW.status = 2 AND NEW.count <= max(coalesce((SELECT confirm FROM monitors WHERE id = NEW.monitor_id), 0), coalesce((SELECT max(confirm) FROM monitor_setting_history WHERE monitor_id = NEW.monitor_id), 0))) BEGIN INSERT INTO series_changes (monitor_id, at) VALUES (NEW.monitor_id, min(OLD.first_at, NEW.first_at)); END;
--> statement-breakpoint
CREATE TRIGGER `check_gaps_changed_insert` AFTER INSERT ON `check_gaps` BEGIN INSERT INTO series_changes (monitor_id, at) VALUES (NEW.monitor_id, NEW.start); END;
--> statement-breakpoint
CREATE TRIGGER `check_gaps_changed_delete` AFTER DELETE ON `check_gaps` BEGIN INSERT INTO series_changes (monitor_id, at) VALUES (OLD.monitor_id, OLD.start); END;
--> statement-breakpoint
CREATE TRIGGER `check_gaps_changed_update` AFTER UPDATE ON `check_gaps` BEGIN INSERT INTO series_changes (monitor_id, at) VALUES (NEW.monitor_id, min(OLD.start, NEW.start)); END;
--> statement-breakpoint
CREATE TRIGGER `location_check_gaps_changed_insert` AFTER INSERT ON `location_check_gaps` BEGIN INSERT INTO series_changes (monitor_id, at) VALUES (NEW.monitor_id, NEW.start); END;
--> statement-breakpoint
CREATE TRIGGER `location_check_gaps_changed_delete` AFTER DELETE ON `location_check_gaps` BEGIN INSERT INTO series_changes (monitor_id, at) VALUES (OLD.monitor_id, OLD.start); END;
--> statement-breakpoint
CREATE TRIGGER `location_check_gaps_changed_update` AFTER UPDATE ON `location_check_gaps` BEGIN INSERT INTO series_changes (monitor_id, at) VALUES (NEW.monitor_id, min(OLD.start, NEW.start)); END;
--> statement-breakpoint
CREATE TRIGGER `monitors_changed_insert` AFTER INSERT ON `monitors` BEGIN INSERT INTO series_changes (monitor_id, at) VALUES (NEW.id, 0); END;
--> statement-breakpoint
CREATE TRIGGER `monitors_changed_update` AFTER UPDATE ON `monitors` BEGIN INSERT INTO series_changes (monitor_id, at) VALUES (NEW.id, 0); END;
--> statement-breakpoint
CREATE TRIGGER `monitors_changed_delete` AFTER DELETE ON `monitors` BEGIN INSERT INTO series_changes (monitor_id, at) VALUES (OLD.id, 0); END;
--> statement-breakpoint
CREATE TRIGGER `monitor_pauses_changed_insert` AFTER INSERT ON `monitor_pauses` BEGIN INSERT INTO series_changes (monitor_id, at) VALUES (NEW.monitor_id, 0); END;
--> statement-breakpoint
CREATE TRIGGER `monitor_pauses_changed_update` AFTER UPDATE ON `monitor_pauses` BEGIN INSERT INTO series_changes (monitor_id, at) VALUES (NEW.monitor_id, 0); END;
--> statement-breakpoint
CREATE TRIGGER `monitor_pauses_changed_delete` AFTER DELETE ON `monitor_pauses` BEGIN INSERT INTO series_changes (monitor_id, at) VALUES (OLD.monitor_id, 0); END;
--> statement-breakpoint
CREATE TRIGGER `false_positives_changed_insert` AFTER INSERT ON `false_positives` BEGIN INSERT INTO series_changes (monitor_id, at) VALUES (NEW.monitor_id, 0); END;
--> statement-breakpoint
CREATE TRIGGER `false_positives_changed_update` AFTER UPDATE ON `false_positives` BEGIN INSERT INTO series_changes (monitor_id, at) VALUES (NEW.monitor_id, 0); END;
--> statement-breakpoint
CREATE TRIGGER `false_positives_changed_delete` AFTER DELETE ON `false_positives` BEGIN INSERT INTO series_changes (monitor_id, at) VALUES (OLD.monitor_id, 0); END;
--> statement-breakpoint
CREATE TRIGGER `monitor_setting_history_changed_insert` AFTER INSERT ON `monitor_setting_history` BEGIN INSERT INTO series_changes (monitor_id, at) VALUES (NEW.monitor_id, 0); END;
--> statement-breakpoint
CREATE TRIGGER `monitor_setting_history_changed_update` AFTER UPDATE ON `monitor_setting_history` BEGIN INSERT INTO series_changes (monitor_id, at) VALUES (NEW.monitor_id, 0); END;
--> statement-breakpoint
CREATE TRIGGER `monitor_setting_history_changed_delete` AFTER DELETE ON `monitor_setting_history` BEGIN INSERT INTO series_changes (monitor_id, at) VALUES (OLD.monitor_id, 0); END;
--> statement-breakpoint
CREATE TRIGGER `monitor_location_spans_changed_insert` AFTER INSERT ON `monitor_location_spans` BEGIN INSERT INTO series_changes (monitor_id, at) VALUES (NEW.monitor_id, 0); END;
--> statement-breakpoint
CREATE TRIGGER `monitor_location_spans_changed_update` AFTER UPDATE ON `monitor_location_spans` BEGIN INSERT INTO series_changes (monitor_id, at) VALUES (NEW.monitor_id, 0); END;
--> statement-breakpoint
CREATE TRIGGER `monitor_location_spans_changed_delete` AFTER DELETE ON `monitor_location_spans` BEGIN INSERT INTO series_changes (monitor_id, at) VALUES (OLD.monitor_id, 0); END;
--> statement-breakpoint
CREATE TRIGGER `monitor_locations_changed_insert` AFTER INSERT ON `monitor_locations` BEGIN INSERT INTO series_changes (monitor_id, at) VALUES (NEW.monitor_id, 0); END;
--> statement-breakpoint
CREATE TRIGGER `monitor_locations_changed_update` AFTER UPDATE ON `monitor_locations` BEGIN INSERT INTO series_changes (monitor_id, at) VALUES (NEW.monitor_id, 0); END;
--> statement-breakpoint
CREATE TRIGGER `monitor_locations_changed_delete` AFTER DELETE ON `monitor_locations` BEGIN INSERT INTO series_changes (monitor_id, at) VALUES (OLD.monitor_id, 0); END;
--> statement-breakpoint
CREATE TRIGGER `probe_locations_changed_update` AFTER UPDATE OF slug ON `probe_locations` BEGIN INSERT INTO series_changes (monitor_id, at) VALUES (NULL, 0); END;
--> statement-breakpoint
CREATE TRIGGER `probe_locations_changed_delete` AFTER DELETE ON `probe_locations` BEGIN INSERT INTO series_changes (monitor_id, at) VALUES (NULL, 0); END;
--> statement-breakpoint
CREATE TRIGGER `location_controls_changed_insert` AFTER INSERT ON `location_controls` WHEN NEW.ok = 0 OR (SELECT ok FROM location_controls WHERE location_id = NEW.location_id AND at < NEW.at ORDER BY at DESC LIMIT 1) = 0 BEGIN INSERT INTO series_changes (monitor_id, at) VALUES (NULL, NEW.at); END;
--> statement-breakpoint
CREATE TRIGGER `location_controls_changed_delete` AFTER DELETE ON `location_controls` WHEN OLD.ok = 0 BEGIN INSERT INTO series_changes (monitor_id, at) VALUES (NULL, OLD.at); END;
--> statement-breakpoint
CREATE TRIGGER `location_controls_changed_update` AFTER UPDATE ON `location_controls` BEGIN INSERT INTO series_changes (monitor_id, at) VALUES (NULL, min(OLD.at, NEW.at)); END;
