-- Run once by the postgres image, on the first start with an empty data volume. Each
-- component owns one database, <DEALERNET_DATABASE_PREFIX>_<component>; the migrate
-- containers then bring each to its newest schema. (They would also create a missing one,
-- but creating them here lets a database be backed up, restored or granted before any
-- dealernet container has run.)
CREATE DATABASE dealernet_order;
CREATE DATABASE dealernet_inventory;
CREATE DATABASE dealernet_customer;
CREATE DATABASE dealernet_station;
CREATE DATABASE dealernet_monitor;
CREATE DATABASE dealernet_gateway;
