-- no unique key on order_id on purpose: an order stored twice would show as two rows
create table if not exists orders (
    id bigint auto_increment primary key,
    order_id varchar(64) not null,
    body varchar(4000),
    kafka_partition int not null,
    kafka_offset bigint not null
);
