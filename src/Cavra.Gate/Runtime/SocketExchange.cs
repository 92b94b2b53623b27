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
    /// One request over the daemon socket (decision-engine.md §3.6): connect, write one JSON object and a newline, read to
    /// EOF (the daemon closes after its one reply). One deadline covers connect, write and read, as in the Go client.
    /// Never throws; the outcome says what happened.
    /// </summary>
    internal static class SocketExchange
    {
        public enum Outcome { Answered, Missing, Refused, ClosedWithoutAnswer, TimedOut, Cancelled, Failed }

        private static readonly ConcurrentDictionary<string, EndPoint> EndPoints = new ConcurrentDictionary<string, EndPoint>(StringComparer.Ordinal);
        [ThreadStatic] private static byte[]? _buffer;

        public static Outcome Exchange(string socketPath, byte[] payload, TimeSpan timeout, CancellationToken cancellationToken,
            out byte[] reply, out bool overflowed, out string message)
        {
            reply = Array.Empty<byte>();
            overflowed = false;
            message = "";
            var clock = Stopwatch.StartNew();
            if (cancellationToken.IsCancellationRequested) return Outcome.Cancelled;
            if (timeout <= TimeSpan.Zero) return Outcome.TimedOut;

            Socket socket;
            try { socket = UnixSocket.NewSocket(); }
            catch (Exception ex) when (ex is SocketException || ex is PlatformNotSupportedException || ex is NotSupportedException)
            {
                message = ex.Message;
                return Outcome.Failed;
            }
            // Cancellation closes the socket, which ends a blocking connect, send or receive at once.
            var registration = cancellationToken.CanBeCanceled ? cancellationToken.Register(s => ((Socket)s!).Dispose(), socket) : default;
            byte[] buffer = _buffer ??= new byte[8192];
            int length = 0;
            bool connected = false;
            try
            {
                var endPoint = EndPoints.Count > 64 ? UnixSocket.CreateEndPoint(socketPath) : EndPoints.GetOrAdd(socketPath, UnixSocket.CreateEndPoint);
                socket.Connect(endPoint);
                connected = true;
                // One JSON object and a newline: far below the socket buffer, so the send never waits for the reader.
                int sent = 0;
                while (sent < payload.Length) sent += socket.Send(payload, sent, payload.Length - sent, SocketFlags.None);

                while (true)
                {
                    var remaining = timeout - clock.Elapsed;
                    if (remaining <= TimeSpan.Zero) return Outcome.TimedOut;
                    socket.ReceiveTimeout = Milliseconds(remaining);
                    if (length == buffer.Length)
                    {
                        if (buffer.Length > RuntimeReply.MaxBytes) { overflowed = true; break; }
                        var larger = new byte[Math.Min(buffer.Length * 4, RuntimeReply.MaxBytes + 1)];
                        Buffer.BlockCopy(buffer, 0, larger, 0, length);
                        buffer = larger; // not kept: the per-thread buffer stays small
                    }
                    int n = socket.Receive(buffer, length, buffer.Length - length, SocketFlags.None);
                    if (n == 0) break;
                    length += n;
                }
            }
            catch (SocketException ex)
            {
                if (cancellationToken.IsCancellationRequested) return Outcome.Cancelled;
                message = ex.Message;
                if (ex.SocketErrorCode == SocketError.TimedOut || ex.SocketErrorCode == SocketError.WouldBlock) return Outcome.TimedOut;
                if (!connected)
                {
                    if (!File.Exists(socketPath)) return Outcome.Missing;
                    if (ex.SocketErrorCode == SocketError.ConnectionRefused) return Outcome.Refused;
                    return Outcome.Failed;
                }
                if (length == 0 && (ex.SocketErrorCode == SocketError.ConnectionReset || ex.SocketErrorCode == SocketError.Shutdown
                    || ex.SocketErrorCode == SocketError.ConnectionAborted || ex.SocketErrorCode == SocketError.Disconnecting))
                    return Outcome.ClosedWithoutAnswer;
                return Outcome.Failed;
            }
            catch (ObjectDisposedException)
            {
                return cancellationToken.IsCancellationRequested ? Outcome.Cancelled : Outcome.Failed;
            }
            catch (Exception ex) when (ex is PlatformNotSupportedException || ex is NotSupportedException || ex is ArgumentException)
            {
                message = ex.Message;
                return Outcome.Failed;
            }
            finally
            {
                registration.Dispose();
                socket.Dispose();
            }

            if (cancellationToken.IsCancellationRequested) return Outcome.Cancelled;
            if (length == 0 && !overflowed) return Outcome.ClosedWithoutAnswer;
            if (overflowed) length = Math.Min(length, RuntimeReply.MaxBytes);
            reply = new byte[length];
            Buffer.BlockCopy(buffer, 0, reply, 0, length);
            return Outcome.Answered;
        }

        private static int Milliseconds(TimeSpan span)
        {
            double ms = Math.Ceiling(span.TotalMilliseconds);
            if (ms < 1) return 1;
            return ms > int.MaxValue ? int.MaxValue : (int)ms;
        }
    }
}
