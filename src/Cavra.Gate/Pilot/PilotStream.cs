using System;
using System.Collections.Generic;
using System.Threading;
using Cavra.Gate.Decisions;

namespace Cavra.Gate.Pilot
{
    /// <summary>
    /// A stream of actions through one <see cref="PilotEvaluator"/>, in order, with up to <see cref="MaxInFlight"/> runtime
    /// requests at once. The built-in decision and the gate run on the submitting thread (<see cref="PilotEvaluator.Begin"/>);
    /// records come out in submission order. A pipelined runtime (<see cref="IPipelinedGoRuntime"/>, the daemon transport)
    /// is driven from the submitting thread itself: requests are sent as actions arrive and answers collected as records
    /// are taken, with no other thread. Any other runtime is called on a few worker threads. With one request in flight
    /// each action is evaluated on the submitting thread, exactly as <see cref="PilotEvaluator.Evaluate"/>.
    /// The submitting side (Submit, TryTake, Take) belongs to one thread.
    /// </summary>
    public sealed class PilotStream : IDisposable
    {
        private sealed class Slot
        {
            public Slot(PendingEvaluation pending) { Pending = pending; }
            public PendingEvaluation Pending { get; }
            public IGoRuntimeCall? Call;
            public volatile EvaluationRecord? Result;
        }

        private readonly PilotEvaluator _pilot;
        private readonly CancellationToken _cancellation;
        private readonly Queue<Slot> _order = new Queue<Slot>();
        // A plain queue under a monitor: idle workers sleep instead of spinning (a semaphore's spin-wait costs more CPU
        // than the request it waits for), which matters on a 2-core machine shared with the daemon.
        private readonly Queue<Slot> _work = new Queue<Slot>();
        private bool _closed;
        private readonly object _signal = new object();
        private readonly List<Thread> _workers = new List<Thread>();

        public PilotStream(PilotEvaluator pilot, int maxInFlight, CancellationToken cancellationToken = default)
        {
            if (maxInFlight < 1) throw new ArgumentOutOfRangeException(nameof(maxInFlight), "at least one request in flight");
            _pilot = pilot;
            MaxInFlight = maxInFlight;
            _cancellation = cancellationToken;
        }

        public int MaxInFlight { get; }
        /// <summary>Submitted and not yet taken.</summary>
        public int Pending => _order.Count;
        /// <summary>How many actions a caller should let queue before taking: enough to keep every request slot busy.</summary>
        public int Window => MaxInFlight == 1 || Pipelined != null ? MaxInFlight : MaxInFlight * 2;

        private IPipelinedGoRuntime? Pipelined => MaxInFlight > 1 ? _pilot.Runtime as IPipelinedGoRuntime : null;

        public void Submit(ActionRequest request)
        {
            var pending = _pilot.Begin(request);
            var slot = new Slot(pending);
            var pipelined = Pipelined;
            if (!pending.CallsRuntime) slot.Result = pending.Record;
            else if (MaxInFlight == 1) slot.Result = Run(slot);
            else if (pipelined != null)
            {
                try { slot.Call = pipelined.Start(pending.Request, pending.Config, _cancellation); }
                catch (Exception ex) { slot.Result = PilotEvaluator.Complete(pending, Unexpected(ex)); } // fail closed
            }
            else
            {
                EnsureWorkers();
                lock (_work)
                {
                    _work.Enqueue(slot);
                    Monitor.Pulse(_work);
                }
            }
            _order.Enqueue(slot);
        }

        /// <summary>The oldest record, if it is complete.</summary>
        public bool TryTake(out EvaluationRecord record)
        {
            record = null!;
            if (_order.Count == 0) return false;
            var head = _order.Peek();
            if (head.Result == null && head.Call != null) Collect(head, wait: false);
            if (head.Result == null) return false;
            record = _order.Dequeue().Result!;
            return true;
        }

        /// <summary>The oldest record, waiting for it. Runtime calls end on their own timeout or on cancellation.</summary>
        public EvaluationRecord Take()
        {
            if (_order.Count == 0) throw new InvalidOperationException("nothing was submitted");
            var head = _order.Peek();
            if (head.Result == null && head.Call != null) Collect(head, wait: true);
            if (head.Result == null)
            {
                lock (_signal)
                    while (head.Result == null) Monitor.Wait(_signal, 100);
            }
            _order.Dequeue();
            return head.Result!;
        }

        public void Dispose()
        {
            lock (_work)
            {
                _closed = true;
                Monitor.PulseAll(_work);
            }
        }

        private EvaluationRecord Run(Slot slot)
        {
            GoRuntimeAnswer answer;
            try { answer = _pilot.Runtime.Evaluate(slot.Pending.Request, slot.Pending.Config, _cancellation); }
            catch (Exception ex) { answer = Unexpected(ex); } // fail closed
            return PilotEvaluator.Complete(slot.Pending, answer);
        }

        private static void Collect(Slot slot, bool wait)
        {
            GoRuntimeAnswer answer;
            try
            {
                if (wait) answer = slot.Call!.Finish();
                else if (!slot.Call!.TryFinish(out answer)) return;
            }
            catch (Exception ex) { answer = Unexpected(ex); } // fail closed
            slot.Result = PilotEvaluator.Complete(slot.Pending, answer);
        }

        private static GoRuntimeAnswer Unexpected(Exception ex) => GoRuntimeAnswer.Failed("unexpected error: " + ex.Message, TimeSpan.Zero);

        private void EnsureWorkers()
        {
            if (_workers.Count > 0) return;
            for (int i = 0; i < MaxInFlight; i++)
            {
                var t = new Thread(Work) { IsBackground = true, Name = "cavra-pilot-" + i };
                _workers.Add(t);
                t.Start();
            }
        }

        private void Work()
        {
            while (true)
            {
                Slot slot;
                lock (_work)
                {
                    while (_work.Count == 0 && !_closed) Monitor.Wait(_work);
                    if (_work.Count == 0) return;
                    slot = _work.Dequeue();
                }
                slot.Result = Run(slot);
                lock (_signal) Monitor.PulseAll(_signal);
            }
        }
    }
}
