using System;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.IO;
using System.Net;
using System.Net.Sockets;
using System.Threading;

namespace Cavra.Gate.Runtime
{
    /// <summary>
    /// One request over the daemon socket (docs/design/runtime-protocol.md §3.3): connect, write one JSON object and a newline, read to
    /// EOF (the daemon closes after its one reply). One deadline covers connect, write and read, as in the Go client.
    /// <see cref="Begin"/> connects and sends without waiting for the daemon (a Unix-socket connect completes once the
    /// kernel queues it; the request fits the socket buffer); the reply is then collected without blocking
    /// (<see cref="TryFinish"/>) or by waiting (<see cref="Finish"/>), so one thread can keep several requests in flight
    /// without any thread switch of its own. Never throws; <see cref="Result"/> says what happened.
    /// </summary>
    internal sealed class SocketExchange
    {
        public enum Outcome { Pending, Answered, Missing, Refused, ClosedWithoutAnswer, TimedOut, Cancelled, Failed }

        private static readonly ConcurrentDictionary<string, EndPoint> EndPoints = new ConcurrentDictionary<string, EndPoint>(StringComparer.Ordinal);
        /// <summary>How long one wait may block before the cancellation token is looked at again.</summary>
        private const int SliceMicroseconds = 100_000;

        private readonly string _socketPath;
        private readonly TimeSpan _timeout;
        private readonly CancellationToken _cancellation;
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private Socket? _socket;
        private byte[] _buffer = Array.Empty<byte>();
        private int _length;

        private SocketExchange(string socketPath, TimeSpan timeout, CancellationToken cancellation)
        {
            _socketPath = socketPath;
            _timeout = timeout;
            _cancellation = cancellation;
        }

        public Outcome Result { get; private set; } = Outcome.Pending;
        public string Message { get; private set; } = "";
        public bool Overflowed { get; private set; }
        /// <summary>The reply's bytes, in the receive buffer itself (no copy).</summary>
        public ArraySegment<byte> Reply { get; private set; } = new ArraySegment<byte>(Array.Empty<byte>());
        public TimeSpan Elapsed => _clock.Elapsed;

        /// <summary>Connects and sends; the exchange is then pending, or already finished when that failed.</summary>
        public static SocketExchange Begin(string socketPath, byte[] payload, TimeSpan timeout, CancellationToken cancellationToken)
        {
            var x = new SocketExchange(socketPath, timeout, cancellationToken);
            if (cancellationToken.IsCancellationRequested) return x.End(Outcome.Cancelled);
            if (timeout <= TimeSpan.Zero) return x.End(Outcome.TimedOut);
            bool connected = false;
            try
            {
                x._socket = UnixSocket.NewSocket();
                var endPoint = EndPoints.Count > 64 ? UnixSocket.CreateEndPoint(socketPath) : EndPoints.GetOrAdd(socketPath, UnixSocket.CreateEndPoint);
                x._socket.Connect(endPoint);
                connected = true;
                int sent = 0;
                while (sent < payload.Length) sent += x._socket.Send(payload, sent, payload.Length - sent, SocketFlags.None);
                x._socket.Blocking = false;
            }
            catch (SocketException ex)
            {
                x.Message = ex.Message;
                if (!connected)
                {
                    if (!File.Exists(socketPath)) return x.End(Outcome.Missing);
                    if (ex.SocketErrorCode == SocketError.ConnectionRefused) return x.End(Outcome.Refused);
                }
                if (connected && IsClosedByPeer(ex.SocketErrorCode)) return x.End(Outcome.ClosedWithoutAnswer);
                return x.End(Outcome.Failed);
            }
            catch (Exception ex) when (ex is ObjectDisposedException || ex is PlatformNotSupportedException || ex is NotSupportedException || ex is ArgumentException)
            {
                x.Message = ex.Message;
                return x.End(Outcome.Failed);
            }
            return x;
        }

        /// <summary>Reads what has arrived without waiting; true once the exchange is finished.</summary>
        public bool TryFinish()
        {
            if (Result != Outcome.Pending) return true;
            if (_cancellation.IsCancellationRequested) { End(Outcome.Cancelled); return true; }
            if (ReadAvailable()) return true;
            if (_clock.Elapsed >= _timeout) { End(Outcome.TimedOut); return true; }
            return false;
        }

        /// <summary>Waits until the exchange is finished: answered, failed, timed out or cancelled.</summary>
        public void Finish()
        {
            while (!TryFinish())
            {
                var remaining = _timeout - _clock.Elapsed;
                long micro = Math.Min(SliceMicroseconds, Math.Max(1L, (long)(remaining.TotalMilliseconds * 1000)));
                try { _socket!.Poll((int)micro, SelectMode.SelectRead); }
                catch (Exception ex) when (ex is SocketException || ex is ObjectDisposedException) { /* the next read says what happened */ }
            }
        }

        /// <summary>Closes the connection of an exchange nobody will collect.</summary>
        public void Abandon()
        {
            if (Result == Outcome.Pending) End(Outcome.Cancelled);
        }

        /// <summary>Receives until EOF or until nothing more is there yet; true when finished.</summary>
        private bool ReadAvailable()
        {
            var socket = _socket!;
            while (true)
            {
                if (_length == _buffer.Length)
                {
                    if (_buffer.Length > RuntimeReply.MaxBytes) { Overflowed = true; return Answer(); }
                    // A decision is about 600 bytes; a larger reply grows the buffer fourfold at a time.
                    var larger = new byte[_buffer.Length == 0 ? 1024 : Math.Min(_buffer.Length * 4, RuntimeReply.MaxBytes + 1)];
                    Buffer.BlockCopy(_buffer, 0, larger, 0, _length);
                    _buffer = larger;
                }
                int n;
                SocketError error;
                try { n = socket.Receive(_buffer, _length, _buffer.Length - _length, SocketFlags.None, out error); }
                catch (ObjectDisposedException) { End(_cancellation.IsCancellationRequested ? Outcome.Cancelled : Outcome.Failed); return true; }
                if (error == SocketError.WouldBlock) return false;
                if (error != SocketError.Success)
                {
                    Message = new SocketException((int)error).Message;
                    End(_length == 0 && IsClosedByPeer(error) ? Outcome.ClosedWithoutAnswer : Outcome.Failed);
                    return true;
                }
                if (n == 0) return Answer();
                _length += n;
            }
        }

        private bool Answer()
        {
            if (_length == 0 && !Overflowed) { End(Outcome.ClosedWithoutAnswer); return true; }
            Reply = new ArraySegment<byte>(_buffer, 0, Math.Min(_length, RuntimeReply.MaxBytes + 1));
            End(Outcome.Answered);
            return true;
        }

        private SocketExchange End(Outcome outcome)
        {
            Result = outcome;
            _buffer = Array.Empty<byte>();
            try { _socket?.Dispose(); } catch (Exception ex) when (ex is SocketException || ex is ObjectDisposedException) { }
            _socket = null;
            return this;
        }

        private static bool IsClosedByPeer(SocketError error) =>
            error == SocketError.ConnectionReset || error == SocketError.Shutdown || error == SocketError.ConnectionAborted
            || error == SocketError.Disconnecting || error == SocketError.NotConnected;
    }
}
