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

        /// <summary>How long one blocking receive may wait before the cancellation token is looked at again.</summary>
        private static readonly TimeSpan Slice = TimeSpan.FromMilliseconds(100);
        private static readonly ConcurrentDictionary<string, EndPoint> EndPoints = new ConcurrentDictionary<string, EndPoint>(StringComparer.Ordinal);

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
            byte[] buffer = new byte[4096];
            int length = 0;
            bool connected = false;
            try
            {
                var endPoint = EndPoints.Count > 64 ? UnixSocket.CreateEndPoint(socketPath) : EndPoints.GetOrAdd(socketPath, UnixSocket.CreateEndPoint);
                socket.SendTimeout = Milliseconds(timeout);
                socket.Connect(endPoint);
                connected = true;
                int sent = 0;
                while (sent < payload.Length) sent += socket.Send(payload, sent, payload.Length - sent, SocketFlags.None);

                int currentTimeout = -1;
                while (true)
                {
                    if (cancellationToken.IsCancellationRequested) return Outcome.Cancelled;
                    var remaining = timeout - clock.Elapsed;
                    if (remaining <= TimeSpan.Zero) return Outcome.TimedOut;
                    int wait = Milliseconds(remaining < Slice ? remaining : Slice);
                    if (wait != currentTimeout) { socket.ReceiveTimeout = wait; currentTimeout = wait; }
                    if (length == buffer.Length)
                    {
                        if (buffer.Length > RuntimeReply.MaxBytes) { overflowed = true; break; }
                        Array.Resize(ref buffer, Math.Min(buffer.Length * 4, RuntimeReply.MaxBytes + 1));
                    }
                    int n;
                    try { n = socket.Receive(buffer, length, buffer.Length - length, SocketFlags.None); }
                    catch (SocketException ex) when (ex.SocketErrorCode == SocketError.TimedOut || ex.SocketErrorCode == SocketError.WouldBlock) { continue; }
                    if (n == 0) break;
                    length += n;
                }
            }
            catch (SocketException ex)
            {
                if (cancellationToken.IsCancellationRequested) return Outcome.Cancelled;
                message = ex.Message;
                if (!connected)
                {
                    if (!File.Exists(socketPath)) return Outcome.Missing;
                    if (ex.SocketErrorCode == SocketError.ConnectionRefused) return Outcome.Refused;
                    if (ex.SocketErrorCode == SocketError.TimedOut || ex.SocketErrorCode == SocketError.WouldBlock) return Outcome.TimedOut;
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
                socket.Dispose();
            }

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
