//! Black-box tests of exchange-um-mock: each test starts its own server on 127.0.0.1:0 and talks
//! to it over real HTTP, asserting only on what a client sees.

mod auth;
mod bad_input;
mod cli;
mod clock;
mod connections;
mod discovery;
mod emails;
mod events;
mod head;
mod hostile;
mod https;
mod journal;
mod languages;
mod library;
mod limits;
mod mailbox_patch;
mod ntlm;
mod openapi;
mod operations;
mod outcomes;
mod outcomes_network;
mod paging;
mod phone;
mod props;
mod readme;
mod reload;
mod reset_pin;
mod scenarios;
mod schema;
mod schema_mistakes;
mod support;
mod ui;
mod watch;
