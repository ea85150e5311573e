using System;
using System.Globalization;
using System.IO;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using OpenMsiStream.Diagnostics;

namespace OpenMsiStream.Metrics
{
    /// <summary>
    /// Serves a program's metrics at <c>http://ADDRESS:PORT/metrics</c> for Prometheus to scrape. One
    /// GET per connection, answered and closed; anything else is 404 or 405.
    /// </summary>
    /// <remarks>
    /// A TCP listener rather than HttpListener (what prometheus-net's MetricServer uses): on Windows,
    /// HttpListener goes through http.sys, which refuses an address such as 127.0.0.1 or all addresses
    /// to a user without administrator rights unless a URL reservation was made (netsh), and lab PCs run
    /// these programs without admin rights. A listening socket needs no rights above port 1023, binds
    /// exactly the address asked for, and says plainly when the port is taken. The exposition format
    /// itself is written by prometheus-net (<see cref="PrometheusExport"/>).
    /// </remarks>
    public sealed class MetricsServer : IDisposable
    {
        public const string Path = "/metrics";
        private const int MaxRequestBytes = 16 * 1024;
        private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(10);
        private readonly TcpListener _listener;
        private readonly Func<Stream, CancellationToken, Task> _write;
        private readonly CancellationTokenSource _stop = new CancellationTokenSource();
        private readonly Task _accepting;

        private MetricsServer(TcpListener listener, Func<Stream, CancellationToken, Task> write)
        {
            _listener = listener;
            _write = write;
            var endpoint = (IPEndPoint)listener.LocalEndpoint;
            string host = endpoint.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{endpoint.Address}]" : endpoint.Address.ToString();
            Url = new Uri($"http://{host}:{endpoint.Port.ToString(CultureInfo.InvariantCulture)}{Path}");
            Endpoint = endpoint;
            _accepting = Task.Run(AcceptLoop);
        }

        /// <summary>Where the metrics are, with the port the system chose when port 0 was asked for.</summary>
        public Uri Url { get; }

        public IPEndPoint Endpoint { get; }

        /// <summary>
        /// The address a metrics option names: an IP address (IPv4 or IPv6; 0.0.0.0 or :: for all of this
        /// computer's addresses) or "localhost" (127.0.0.1).
        /// </summary>
        public static IPAddress ParseAddress(string text)
        {
            if (string.Equals(text, "localhost", StringComparison.OrdinalIgnoreCase))
            {
                return IPAddress.Loopback;
            }
            if (IPAddress.TryParse(text.Trim('[', ']'), out IPAddress? address))
            {
                return address;
            }
            throw new OpenMsiStreamException(ErrorIds.InvalidArgument,
                $"'{text}' is not an address to serve metrics on: give an IP address of this computer (127.0.0.1, the default; 0.0.0.0 for all addresses) or localhost.", target: text);
        }

        /// <summary>Starts listening at once, so a port in use is an error before the program does any work.</summary>
        public static MetricsServer Start(IPAddress address, int port, Func<Stream, CancellationToken, Task> writeMetrics)
        {
            var listener = new TcpListener(address, port);
            if (address.AddressFamily == AddressFamily.InterNetworkV6 && address.Equals(IPAddress.IPv6Any))
            {
                listener.Server.DualMode = true; // "::" means every address, IPv4 ones too
            }
            if (Environment.OSVersion.Platform == PlatformID.Win32NT)
            {
                listener.ExclusiveAddressUse = true; // Windows would otherwise let another socket share the port
            }
            try
            {
                listener.Start();
            }
            catch (SocketException ex) when (ex.SocketErrorCode == SocketError.AddressAlreadyInUse)
            {
                throw new OpenMsiStreamException(ErrorIds.MetricsPortInUse,
                    $"Cannot serve metrics on {Describe(address, port)}: another program is already listening on port {port}. Choose another --metrics-port / -MetricsPort (0 lets the system pick a free one).",
                    ex, port);
            }
            catch (SocketException ex)
            {
                throw new OpenMsiStreamException(ErrorIds.MetricsServerFailed,
                    $"Cannot serve metrics on {Describe(address, port)}: {ex.Message} ({ex.SocketErrorCode}). "
                    + "The address must be one of this computer's (--metrics-address / -MetricsAddress), and ports below 1024 need administrator rights.",
                    ex, port);
            }
            return new MetricsServer(listener, writeMetrics);
        }

        public void Dispose()
        {
            _stop.Cancel();
            _listener.Stop();
            try
            {
                _accepting.Wait(TimeSpan.FromSeconds(5));
            }
            catch (AggregateException)
            {
                // the loop ends by the listener's exception when it stops
            }
            _stop.Dispose();
        }

        private static string Describe(IPAddress address, int port) =>
            address.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{address}]:{port}" : $"{address}:{port}";

        private async Task AcceptLoop()
        {
            while (!_stop.IsCancellationRequested)
            {
                TcpClient client;
                try
                {
                    client = await _listener.AcceptTcpClientAsync().ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is ObjectDisposedException || ex is SocketException || ex is InvalidOperationException)
                {
                    return; // stopped
                }
                _ = Task.Run(() => Serve(client));
            }
        }

        private async Task Serve(TcpClient client)
        {
            using (client)
            using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token))
            {
                timeout.CancelAfter(RequestTimeout);
                try
                {
                    client.ReceiveTimeout = (int)RequestTimeout.TotalMilliseconds;
                    client.SendTimeout = (int)RequestTimeout.TotalMilliseconds;
                    NetworkStream stream = client.GetStream();
                    string? requestLine = ReadRequestHead(stream);
                    if (requestLine == null)
                    {
                        return;
                    }
                    await Answer(stream, requestLine, timeout.Token).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is IOException || ex is SocketException || ex is ObjectDisposedException || ex is OperationCanceledException)
                {
                    // the scraper went away or was too slow: nothing to answer
                }
            }
        }

        /// <summary>The request line, once the whole head (up to the blank line) is read; null when it never comes or is too large.</summary>
        private static string? ReadRequestHead(NetworkStream stream)
        {
            var head = new byte[MaxRequestBytes];
            int length = 0;
            while (length < head.Length)
            {
                int read = stream.Read(head, length, head.Length - length);
                if (read <= 0)
                {
                    return null;
                }
                length += read;
                string text = Encoding.ASCII.GetString(head, 0, length);
                int end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
                if (end < 0)
                {
                    end = text.IndexOf("\n\n", StringComparison.Ordinal);
                }
                if (end >= 0)
                {
                    int lineEnd = text.IndexOf('\n');
                    return text.Substring(0, lineEnd).TrimEnd('\r');
                }
            }
            return null;
        }

        private async Task Answer(NetworkStream stream, string requestLine, CancellationToken cancellationToken)
        {
            string[] parts = requestLine.Split(' ');
            string method = parts[0];
            string target = parts.Length > 1 ? parts[1] : string.Empty;
            int query = target.IndexOf('?');
            string path = query < 0 ? target : target.Substring(0, query);
            if (method != "GET" && method != "HEAD")
            {
                await Respond(stream, "405 Method Not Allowed", "text/plain; charset=utf-8", Encoding.UTF8.GetBytes("Only GET and HEAD.\n"), head: false, "Allow: GET, HEAD\r\n", cancellationToken).ConfigureAwait(false);
                return;
            }
            if (path != Path && path != "/")
            {
                await Respond(stream, "404 Not Found", "text/plain; charset=utf-8", Encoding.UTF8.GetBytes($"The metrics are at {Path}.\n"), method == "HEAD", null, cancellationToken).ConfigureAwait(false);
                return;
            }
            using var body = new MemoryStream();
            await _write(body, cancellationToken).ConfigureAwait(false);
            await Respond(stream, "200 OK", PrometheusExport.ContentType, body.ToArray(), method == "HEAD", null, cancellationToken).ConfigureAwait(false);
        }

        private static async Task Respond(NetworkStream stream, string status, string contentType, byte[] body, bool head, string? extraHeaders, CancellationToken cancellationToken)
        {
            string headers = $"HTTP/1.1 {status}\r\nContent-Type: {contentType}\r\nContent-Length: {body.Length.ToString(CultureInfo.InvariantCulture)}\r\n{extraHeaders}Connection: close\r\n\r\n";
            byte[] headerBytes = Encoding.ASCII.GetBytes(headers);
            await stream.WriteAsync(headerBytes, 0, headerBytes.Length, cancellationToken).ConfigureAwait(false);
            if (!head)
            {
                await stream.WriteAsync(body, 0, body.Length, cancellationToken).ConfigureAwait(false);
            }
            await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
    }
}
