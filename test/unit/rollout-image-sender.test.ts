// The go-back-N image sender on its own, with times as numbers: the window from the RMC's acks, a resume at the
// first ack's offset, go-back on timeout, late acks ignored, the Offer repeated, and a broken transfer.
import t from 'tap';
import { ImageSender, SenderState } from '../../orchestrator/rollout/image-sender.js';

const options = { imageSize: 1000, chunkSize: 100, retransmitTimeoutMs: 50, maxTimeouts: 3 };

t.test('chunks go out up to the window from the acknowledged offset, and the transfer completes', (t) => {
  const s = new ImageSender(options, 0);
  t.equal(s.state, SenderState.OFFERED);
  t.same(s.onAck(0, 3, 1), [0, 100, 200], 'the window: 3 chunks');
  t.same(s.onAck(100, 3, 2), [300]);
  t.same(s.onAck(100, 3, 3), [], 'a duplicate ack sends nothing new');
  t.same(s.onAck(400, 4, 4), [400, 500, 600, 700]);
  t.same(s.onAck(300, 4, 5), [], 'a late ack, behind the acknowledged offset, is ignored');
  t.equal(s.ackedOffset, 400);
  t.same(s.onAck(800, 4, 6), [800, 900]);
  t.equal(s.chunkLength(900), 100);
  t.same(s.onAck(1000, 4, 7), []);
  t.equal(s.state, SenderState.COMPLETE);
  t.end();
});

t.test('the first ack after an Offer sets the resume point, even a short last chunk', (t) => {
  const s = new ImageSender({ ...options, imageSize: 950 }, 0);
  t.same(s.onAck(640, 16, 1), [640, 740, 840, 940], 'from 640, to the end (the window reaches past it)');
  t.equal(s.chunkLength(940), 10, 'the last chunk is short');
  t.end();
});

t.test('no progress within the timeout: back to the acknowledged offset; maxTimeouts in a row break it', (t) => {
  const s = new ImageSender(options, 0);
  t.same(s.onTimeout(49), { kind: 'chunks', offsets: [] }, 'not before the deadline');
  t.same(s.onTimeout(50), { kind: 'offer' }, 'no ack at all: the Offer again');
  t.same(s.onAck(200, 2, 60), [200, 300]);
  t.equal(s.timeoutsInRow, 0, 'progress resets the count');
  t.equal(s.deadlineMs, 110);
  t.same(s.onTimeout(110), { kind: 'chunks', offsets: [200, 300] }, 'go back N');
  t.same(s.onAck(300, 2, 120), [400], 'progress');
  t.same(s.onTimeout(170), { kind: 'chunks', offsets: [300, 400] });
  t.same(s.onTimeout(220), { kind: 'chunks', offsets: [300, 400] });
  t.same(s.onTimeout(270), { kind: 'broken' });
  t.equal(s.state, SenderState.BROKEN);
  t.equal(s.deadlineMs, null);
  t.same(s.onAck(500, 2, 280), [], 'nothing more once broken');
  t.end();
});

t.test('a window of 0 waits; every byte acked and no Verify Result: the Offer again', (t) => {
  const s = new ImageSender(options, 0);
  t.same(s.onAck(0, 0, 1), []);
  t.same(s.onTimeout(51), { kind: 'offer' });
  t.same(s.onAck(1000, 16, 60), []);
  t.equal(s.state, SenderState.COMPLETE);
  t.same(s.onTimeout(110), { kind: 'offer' });
  t.end();
});
