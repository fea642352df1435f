-- Wireshark dissector for the bmcfleet rollout protocol: README "The rollout protocol" has the byte tables this
-- follows field by field; protocols/rollout/*.ts is the codec it mirrors. UDP and TCP port 4623 (on TCP, messages
-- back to back, each sized by its header's length field).
--
--   tshark -X lua_script:protocols/rollout/wireshark/bmcfleet-rollout.lua -r capture.pcapng -V
--   (another port: add  -d udp.port==PORT,bmcfleet_rollout)
--
-- Anything the codec would refuse (a wrong version, type or length, a field out of range, an unknown code, a
-- chunk whose CRC-32 does not match, bytes left over) is flagged as an expert error of group Malformed, so
-- `tshark ... -Y "_ws.expert.severity == error"` lists exactly the bad messages. Wireshark 4.0 (Lua 5.2).

local PORT = 4623
local HEADER_LENGTH = 16
local TRAILER_LENGTH = 80
local MAX_CHUNK = 32768
local MAX_RANGES = 64
local MAX_NAME = 64
local MAX_ENTRIES = 128
local MANIFEST_FIXED = 59 + 8 + 64
local ALL_RMCS = 0xffffffff

local TYPES = {
  [0x01] = "Prepare", [0x02] = "Prepare Reply", [0x03] = "Poll", [0x04] = "Image Offer", [0x05] = "Image Chunk",
  [0x06] = "Transfer Ack", [0x07] = "Verify Result", [0x08] = "Flash", [0x09] = "Progress", [0x0a] = "Rack Report",
  [0x0b] = "Pause", [0x0c] = "Resume", [0x0d] = "Abort",
}
local SCHEMES = { [0] = "Immediate", [1] = "Octet sum", [2] = "Window", [3] = "Rank slots" }
local READINESS = { [0] = "Ready", [1] = "Busy", [2] = "No space", [3] = "Wrong product" }
local VERIFY = {
  [0] = "OK", [1] = "Manifest SHA-256 mismatch", [2] = "Manifest signature invalid", [3] = "Not an HPM.1 image",
  [4] = "HPM.1 header checksum wrong", [5] = "HPM.1 MD5 wrong", [6] = "Wrong product",
}
local PHASES = {
  [1] = "Prepared", [2] = "Receiving", [3] = "Verified", [4] = "Reading versions", [5] = "Flashing", [6] = "Paused",
  [7] = "Done", [8] = "Aborted",
}
local OUTCOMES = { [0] = "Pending", [1] = "In progress", [2] = "Flashed", [3] = "Skipped", [4] = "Failed" }
local REASONS = {
  [0] = "None", [1] = "Unreachable", [2] = "Login failed", [3] = "Upgrade refused", [4] = "Timed out",
  [5] = "Rolled back", [6] = "Wrong version after reboot", [7] = "Aborted",
}

local p = Proto("bmcfleet_rollout", "bmcfleet Rollout Protocol")

local function pf(kind, name, label, ...)
  return ProtoField[kind]("bmcfleet_rollout." .. name, label, ...)
end

local f = {
  version = pf("uint8", "version", "Version"),
  type = pf("uint8", "type", "Type", base.HEX, TYPES, 0x7f),
  signed = pf("bool", "signed", "Signed", 8, nil, 0x80),
  length = pf("uint16", "length", "Length"),
  rollout_id = pf("uint32", "rollout_id", "Rollout ID"),
  rmc_id = pf("uint32", "rmc_id", "RMC ID"),
  sequence = pf("uint32", "sequence", "Sequence"),
  -- Prepare, Poll
  attempt = pf("uint8", "attempt", "Attempt"),
  nonce = pf("bytes", "nonce", "Nonce"),
  image_size = pf("uint32", "image_size", "Image size"),
  image_sha256 = pf("bytes", "image_sha256", "Image SHA-256"),
  image_manufacturer_id = pf("uint32", "image_manufacturer_id", "Image manufacturer ID"),
  image_product_id = pf("uint16", "image_product_id", "Image product ID", base.HEX),
  flash_time = pf("absolute_time", "flash_time", "Flash time", base.UTC),
  reply_scheme = pf("uint8", "reply_scheme", "Reply scheme", base.DEC, SCHEMES),
  window_us = pf("uint32", "window_us", "Window (us)"),
  slot_us = pf("uint32", "slot_us", "Slot width (us)"),
  scheme_parameter = pf("uint32", "scheme_parameter", "Scheme parameter"),
  range_count = pf("uint8", "range_count", "Target ranges"),
  range_first = pf("uint32", "range_first", "First RMC ID"),
  range_rmcs = pf("uint32", "range_rmcs", "RMCs"),
  -- Prepare Reply
  readiness = pf("uint8", "readiness", "Readiness", base.DEC, READINESS),
  address = pf("ipv4", "address", "Address"),
  bmc_count = pf("uint16", "bmc_count", "BMCs"),
  bmc_manufacturer_id = pf("uint32", "bmc_manufacturer_id", "BMCs' manufacturer ID"),
  bmc_product_id = pf("uint16", "bmc_product_id", "BMCs' product ID", base.HEX),
  reply_delay_us = pf("uint32", "reply_delay_us", "Reply delay (us)"),
  rack_name_length = pf("uint8", "rack_name_length", "Rack name length"),
  rack_name = pf("string", "rack_name", "Rack"),
  -- Image Offer and its manifest
  chunk_size = pf("uint16", "chunk_size", "Chunk size"),
  manifest_length = pf("uint16", "manifest_length", "Manifest length"),
  manifest_version = pf("uint8", "manifest.version", "Manifest version"),
  manufacturer_id = pf("uint32", "manifest.manufacturer_id", "Manufacturer ID"),
  product_id = pf("uint16", "manifest.product_id", "Product ID", base.HEX),
  device_id = pf("uint8", "manifest.device_id", "Device ID", base.HEX),
  firmware_major = pf("uint8", "firmware_major", "Firmware major"),
  firmware_minor = pf("uint8", "firmware_minor", "Firmware minor"),
  firmware_aux = pf("uint32", "manifest.firmware_aux", "Firmware aux", base.HEX),
  created_at = pf("absolute_time", "manifest.created_at", "Created", base.UTC),
  image_name_length = pf("uint8", "manifest.name_length", "Image name length"),
  image_name = pf("string", "manifest.name", "Image name"),
  -- Image Chunk, Transfer Ack
  offset = pf("uint32", "offset", "Offset"),
  data_length = pf("uint16", "data_length", "Data length"),
  crc32 = pf("uint32", "crc32", "CRC-32", base.HEX),
  data = pf("bytes", "data", "Data"),
  next_offset = pf("uint32", "next_offset", "Next offset"),
  window = pf("uint16", "window", "Window (chunks)"),
  -- Verify Result
  result = pf("uint8", "result", "Result", base.DEC, VERIFY),
  -- Flash
  concurrency = pf("uint16", "concurrency", "Concurrency"),
  bmc_timeout_ms = pf("uint32", "bmc_timeout_ms", "BMC timeout (ms)"),
  -- Progress, Rack Report
  phase = pf("uint8", "phase", "Phase", base.DEC, PHASES),
  flashed = pf("uint16", "flashed", "Flashed"),
  skipped = pf("uint16", "skipped", "Skipped"),
  failed = pf("uint16", "failed", "Failed"),
  first_index = pf("uint16", "first_index", "First index"),
  entry_count = pf("uint8", "entry_count", "Entries"),
  outcome = pf("uint8", "outcome", "Outcome", base.DEC, OUTCOMES),
  reason = pf("uint8", "reason", "Reason", base.DEC, REASONS),
  -- auth trailer (and the manifest's signature)
  key_id = pf("bytes", "key_id", "Key ID"),
  timestamp = pf("absolute_time", "timestamp", "Signed at", base.UTC),
  signature = pf("bytes", "signature", "Signature"),
}
local field_list = {}
for _, v in pairs(f) do field_list[#field_list + 1] = v end
p.fields = field_list

local bad = ProtoExpert.new("bmcfleet_rollout.malformed", "Malformed rollout message", expert.group.MALFORMED, expert.severity.ERROR)
p.experts = { bad }

-- CRC-32 (IEEE 802.3, as zlib computes it) of an image chunk's data.
local CRC_TABLE = {}
for i = 0, 255 do
  local c = i
  for _ = 1, 8 do
    if bit32.band(c, 1) == 1 then c = bit32.bxor(0xedb88320, bit32.rshift(c, 1)) else c = bit32.rshift(c, 1) end
  end
  CRC_TABLE[i] = c
end
local function crc32(bytes)
  local c = 0xffffffff
  for i = 0, bytes:len() - 1 do
    c = bit32.bxor(CRC_TABLE[bit32.band(bit32.bxor(c, bytes:get_index(i)), 0xff)], bit32.rshift(c, 8))
  end
  return bit32.bxor(c, 0xffffffff)
end

-- A cursor over [o, last) of the message; taking past `last` raises TRUNCATED, caught once per message.
local TRUNCATED = {}
local function cursor(tvb, o, last) return { tvb = tvb, o = o, last = last } end
local function take(c, n)
  if c.o + n > c.last then error(TRUNCATED) end
  local r = c.tvb(c.o, n)
  c.o = c.o + n
  return r
end
local function add(c, tree, field, n)
  local r = take(c, n)
  return tree:add(field, r), r
end
local function flag(item, text) item:add_proto_expert_info(bad, text) end

-- A one-byte code; one not in `names` is malformed. Returns the value and the item.
local function add_enum(c, tree, field, names)
  local item, r = add(c, tree, field, 1)
  if names[r:uint()] == nil then flag(item, "unknown value " .. r:uint()) end
  return r:uint(), item
end

-- A u64 of ms since the Unix epoch, shown as a time; 2^53 or more is malformed (the codec's limit).
local function add_time_ms(c, tree, field)
  local r = take(c, 8)
  local high, low = r:range(0, 4):uint(), r:range(4, 4):uint()
  if high > 0x1fffff then
    local item = tree:add(field, r, NSTime.new(0, 0))
    flag(item, "value is 2^53 or more")
    return
  end
  local ms = high * 4294967296 + low
  local secs = math.floor(ms / 1000)
  tree:add(field, r, NSTime.new(secs, (ms - secs * 1000) * 1000000))
end

-- An IPMI manufacturer ID: 4 bytes, at most 20 bits (IPMI 2.0 section 20.1).
local function add_manufacturer_id(c, tree, field)
  local item, m = add(c, tree, field, 4)
  if m:uint() > 0xfffff then flag(item, "over 20 bits") end
end

-- A length byte, then that many bytes of UTF-8.
local function add_string(c, tree, length_field, field)
  local n_item, n = add(c, tree, length_field, 1)
  if n:uint() > MAX_NAME then flag(n_item, "longer than " .. MAX_NAME .. " bytes") end
  tree:add(field, take(c, n:uint()))
end

local function dissect_prepare(c, tree)
  add(c, tree, f.nonce, 16)
  add(c, tree, f.image_size, 4)
  add(c, tree, f.image_sha256, 32)
  add_manufacturer_id(c, tree, f.image_manufacturer_id)
  add(c, tree, f.image_product_id, 2)
  add_time_ms(c, tree, f.flash_time)
  local scheme = add_enum(c, tree, f.reply_scheme, SCHEMES)
  local r = take(c, 4)
  local field = (scheme == 2 and f.window_us) or (scheme == 3 and f.slot_us) or f.scheme_parameter
  local item = tree:add(field, r)
  if (scheme == 2 or scheme == 3) and r:uint() == 0 then flag(item, "a window or slot width of 0") end
  if (scheme == 0 or scheme == 1) and r:uint() ~= 0 then flag(item, "this scheme takes no parameter") end
  local n_item, n = add(c, tree, f.range_count, 1)
  if n:uint() < 1 or n:uint() > MAX_RANGES then flag(n_item, "1 to " .. MAX_RANGES .. " target ranges") end
  for i = 1, n:uint() do
    local start = c.o
    local sub = tree:add(p, c.tvb(start, math.min(8, c.last - start)), "Target range " .. i)
    local _, first = add(c, sub, f.range_first, 4)
    local count_item, count = add(c, sub, f.range_rmcs, 4)
    sub:append_text(": RMC " .. first:uint() .. ", " .. count:uint() .. " of them")
    if count:uint() == 0 then flag(count_item, "an empty range") end
    if first:uint() + count:uint() > 4294967296 then flag(count_item, "runs past the last RMC ID") end
  end
end

local function dissect_poll(c, tree)
  add(c, tree, f.attempt, 1)
  dissect_prepare(c, tree)
end

local function dissect_prepare_reply(c, tree)
  add_enum(c, tree, f.readiness, READINESS)
  add(c, tree, f.address, 4)
  add(c, tree, f.bmc_count, 2)
  add_manufacturer_id(c, tree, f.bmc_manufacturer_id)
  add(c, tree, f.bmc_product_id, 2)
  add(c, tree, f.reply_delay_us, 4)
  add_string(c, tree, f.rack_name_length, f.rack_name)
end

local function dissect_manifest(c, tree)
  local v_item, v = add(c, tree, f.manifest_version, 1)
  if v:uint() ~= 1 then flag(v_item, "manifest version " .. v:uint() .. ", this is 1") return end
  add(c, tree, f.image_size, 4)
  add(c, tree, f.image_sha256, 32)
  add_manufacturer_id(c, tree, f.manufacturer_id)
  add(c, tree, f.product_id, 2)
  add(c, tree, f.device_id, 1)
  local major_item, major = add(c, tree, f.firmware_major, 1)
  local minor_item, minor = add(c, tree, f.firmware_minor, 1)
  if major:uint() > 127 then flag(major_item, "major is 0-127") end
  if minor:uint() > 99 then flag(minor_item, "minor is 0-99") end
  add(c, tree, f.firmware_aux, 4)
  add_time_ms(c, tree, f.created_at)
  add_string(c, tree, f.image_name_length, f.image_name)
  add(c, tree, f.key_id, 8)
  add(c, tree, f.signature, 64)
end

local function dissect_image_offer(c, tree)
  add(c, tree, f.attempt, 1)
  local size_item, size = add(c, tree, f.chunk_size, 2)
  if size:uint() < 1 or size:uint() > MAX_CHUNK then flag(size_item, "chunk size 1.." .. MAX_CHUNK) end
  local n_item, n = add(c, tree, f.manifest_length, 2)
  if n:uint() > MANIFEST_FIXED + MAX_NAME then flag(n_item, "longer than a manifest can be") end
  local start = c.o
  take(c, n:uint())
  local m = cursor(c.tvb, start, start + n:uint())
  local sub = tree:add(p, c.tvb(start, n:uint()), "Manifest")
  dissect_manifest(m, sub)
  if m.o ~= m.last then flag(sub, (m.last - m.o) .. " byte(s) after the manifest") end
end

local function dissect_image_chunk(c, tree)
  local _, offset = add(c, tree, f.offset, 4)
  local n_item, n = add(c, tree, f.data_length, 2)
  if n:uint() < 1 or n:uint() > MAX_CHUNK then flag(n_item, "a chunk carries 1.." .. MAX_CHUNK .. " bytes") end
  if offset:uint() + n:uint() > 4294967296 then flag(n_item, "runs past 4 GiB") end
  local crc_item, crc = add(c, tree, f.crc32, 4)
  local data = take(c, n:uint())
  tree:add(f.data, data)
  if crc32(data:bytes()) ~= crc:uint() then flag(crc_item, "the data does not match its CRC-32") end
  return " offset " .. offset:uint() .. " +" .. n:uint()
end

local function dissect_transfer_ack(c, tree)
  local _, next_offset = add(c, tree, f.next_offset, 4)
  add(c, tree, f.window, 2)
  return " next " .. next_offset:uint()
end

local function dissect_verify_result(c, tree)
  local result = add_enum(c, tree, f.result, VERIFY)
  add(c, tree, f.image_sha256, 32)
  return " " .. (VERIFY[result] or "?")
end

local function dissect_flash(c, tree)
  add_time_ms(c, tree, f.flash_time)
  local item, n = add(c, tree, f.concurrency, 2)
  if n:uint() < 1 then flag(item, "concurrency 0") end
  add(c, tree, f.bmc_timeout_ms, 4)
end

local function dissect_status(c, tree, report)
  local phase, phase_item = add_enum(c, tree, f.phase, PHASES)
  if report and phase ~= 7 and phase ~= 8 then flag(phase_item, "a Rack Report must be Done or Aborted") end
  local _, bmcs = add(c, tree, f.bmc_count, 2)
  local _, flashed = add(c, tree, f.flashed, 2)
  local _, skipped = add(c, tree, f.skipped, 2)
  local failed_item, failed = add(c, tree, f.failed, 2)
  if flashed:uint() + skipped:uint() + failed:uint() > bmcs:uint() then flag(failed_item, "flashed + skipped + failed is over the BMC count") end
  local first_item, first = add(c, tree, f.first_index, 2)
  local n_item, n = add(c, tree, f.entry_count, 1)
  if n:uint() > MAX_ENTRIES then flag(n_item, "at most " .. MAX_ENTRIES .. " entries") end
  if first:uint() + n:uint() > bmcs:uint() then flag(first_item, "entries run past the BMC count") end
  for i = 1, n:uint() do
    local start = c.o
    local sub = tree:add(p, c.tvb(start, math.min(8, c.last - start)), "BMC " .. (first:uint() + i - 1))
    local _, address = add(c, sub, f.address, 4)
    local outcome = add_enum(c, sub, f.outcome, OUTCOMES)
    local reason_item, reason = add(c, sub, f.reason, 1)
    if REASONS[reason:uint()] == nil then flag(reason_item, "unknown value " .. reason:uint()) end
    if (outcome == 4) ~= (reason:uint() ~= 0) then flag(reason_item, "a failed BMC needs a reason, and only a failed one has one") end
    local _, major = add(c, sub, f.firmware_major, 1)
    local _, minor = add(c, sub, f.firmware_minor, 1)
    sub:append_text(": " .. tostring(address:ipv4()) .. " " .. (OUTCOMES[outcome] or "?") .. ", firmware " .. major:uint() .. "." .. string.format("%02d", minor:uint()))
  end
  return " " .. (PHASES[phase] or "?") .. ", " .. flashed:uint() .. " flashed, " .. skipped:uint() .. " skipped, " .. failed:uint() .. " failed of " .. bmcs:uint()
end

local BODIES = {
  [0x01] = dissect_prepare, [0x02] = dissect_prepare_reply, [0x03] = dissect_poll, [0x04] = dissect_image_offer,
  [0x05] = dissect_image_chunk, [0x06] = dissect_transfer_ack, [0x07] = dissect_verify_result, [0x08] = dissect_flash,
  [0x09] = function(c, tree) return dissect_status(c, tree, false) end,
  [0x0a] = function(c, tree) return dissect_status(c, tree, true) end,
  [0x0b] = function() end, [0x0c] = function() end, [0x0d] = function() end,
}

-- One message at the start of tvb (a datagram, or one PDU cut from a TCP stream).
local function dissect_message(tvb, pinfo, root, over_udp)
  pinfo.cols.protocol = "ROLLOUT"
  local tree = root:add(p, tvb(), "bmcfleet Rollout Protocol")
  local c = cursor(tvb, 0, tvb:len())
  local ok, err = pcall(function()
    local v_item, version = add(c, tree, f.version, 1)
    if version:uint() ~= 1 then flag(v_item, "version " .. version:uint() .. ", this is 1") return end
    local type_range = take(c, 1)
    local type_item = tree:add(f.type, type_range)
    tree:add(f.signed, type_range)
    local mtype = bit32.band(type_range:uint(), 0x7f)
    local signed = bit32.band(type_range:uint(), 0x80) ~= 0
    if TYPES[mtype] == nil then flag(type_item, "unknown message type " .. mtype) return end
    local length_item, length = add(c, tree, f.length, 2)
    local len = length:uint()
    if len < HEADER_LENGTH + (signed and TRAILER_LENGTH or 0) then flag(length_item, "shorter than the header" .. (signed and " and trailer" or "")) return end
    if over_udp and len ~= tvb:len() then flag(length_item, "says " .. len .. " bytes, the datagram has " .. tvb:len()) end
    local _, rollout = add(c, tree, f.rollout_id, 4)
    local rmc_item, rmc = add(c, tree, f.rmc_id, 4)
    if rmc:uint() == ALL_RMCS then rmc_item:append_text(" (every RMC)") end
    local _, seq = add(c, tree, f.sequence, 4)
    local body_end = math.min(len, tvb:len()) - (signed and TRAILER_LENGTH or 0)
    local body = cursor(tvb, HEADER_LENGTH, body_end)
    local extra = BODIES[mtype](body, tree) or ""
    if body.o ~= body.last then flag(tree, (body.last - body.o) .. " byte(s) after the body") end
    if signed then
      local trailer = cursor(tvb, body_end, body_end + TRAILER_LENGTH)
      local sub = tree:add(p, tvb(body_end, TRAILER_LENGTH), "Auth trailer")
      add(trailer, sub, f.key_id, 8)
      add_time_ms(trailer, sub, f.timestamp)
      add(trailer, sub, f.signature, 64)
    end
    local to = rmc:uint() == ALL_RMCS and "every RMC" or ("RMC " .. rmc:uint())
    tree:append_text(", " .. TYPES[mtype] .. ", rollout " .. rollout:uint())
    pinfo.cols.info:append((tostring(pinfo.cols.info) ~= "" and "; " or "") .. TYPES[mtype] .. (signed and " (signed)" or "") ..
      " rollout " .. rollout:uint() .. " " .. to .. " seq " .. seq:uint() .. extra)
  end)
  if not ok then
    if err == TRUNCATED then flag(tree, "cut short: a field runs past the end of the message") else error(err) end
  end
end

local function pdu_length(tvb, _, offset)
  local len = tvb(offset + 2, 2):uint()
  if len < HEADER_LENGTH then return tvb:len() - offset end -- a broken stream: show the rest as one bad message
  return len
end

function p.dissector(tvb, pinfo, root)
  pinfo.cols.info:clear()
  if pinfo.port_type == 2 then -- TCP: messages back to back
    dissect_tcp_pdus(tvb, root, 4, pdu_length, function(t, pi, r) dissect_message(t, pi, r, false) return t:len() end)
  else
    dissect_message(tvb, pinfo, root, true)
  end
  return tvb:len()
end

DissectorTable.get("udp.port"):add(PORT, p)
DissectorTable.get("tcp.port"):add(PORT, p)
