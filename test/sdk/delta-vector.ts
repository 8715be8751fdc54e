/**
 * One Fossil delta made with the `fossil-delta` npm package's createDelta (the reference JavaScript
 * port of Fossil's delta.c), from a match StateFrame to the next one: an independent check of the
 * SDK's decoder (numbers, copy/insert commands, UTF-8 bytes, checksum).
 */
export const SOURCE = '{"type":"StateFrame","t":1234,"ball":{"x":52.1,"y":30.4},"players":[{"id":7,"x":10,"y":20},{"id":9,"x":40,"y":25}],"note":"Zoë ⚽"}';
export const TARGET = '{"type":"StateFrame","t":1274,"ball":{"x":53,"y":30.9},"players":[{"id":7,"x":11,"y":20},{"id":9,"x":40,"y":26}],"note":"Zoë ⚽"}';
export const DELTA = '23\nR@0,Q:74,"ball":{"x":53,"y":30.9Q@s,V:1,"y":20},{"id":9,"x":40,"y":26L@1l,2CH8mj;';
