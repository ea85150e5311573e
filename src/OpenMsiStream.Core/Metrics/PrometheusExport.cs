using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics.Metrics;
using System.IO;
using System.Threading;
using System.Threading.Tasks;

namespace OpenMsiStream.Metrics
{
    /// <summary>
    /// The instruments of one meter as prometheus-net metrics, written in the Prometheus text format at
    /// each scrape. The <see cref="System.Diagnostics.Metrics"/> instruments stay the one source of
    /// truth: a <see cref="MeterListener"/> passes every counter increment on, and the observable
    /// gauges are read just before each scrape.
    /// </summary>
    /// <remarks>
    /// prometheus-net's own MeterAdapter is built only for .NET 6 and later; Core is netstandard2.0 so
    /// that it loads in Windows PowerShell 5.1, hence this small listener. A dot in an instrument name
    /// becomes an underscore and a counter gets Prometheus' "_total"; tag keys become label names.
    /// </remarks>
    internal sealed class PrometheusExport : IDisposable
    {
        private readonly global::Prometheus.CollectorRegistry _registry = global::Prometheus.Metrics.NewCustomRegistry();
        private readonly global::Prometheus.IMetricFactory _factory;
        private readonly MeterListener _listener = new MeterListener();
        private readonly ConcurrentDictionary<Instrument, Series> _series = new ConcurrentDictionary<Instrument, Series>();
        private readonly object _observeGate = new object();

        public PrometheusExport(Meter meter)
        {
            _factory = global::Prometheus.Metrics.WithCustomRegistry(_registry);
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (ReferenceEquals(instrument.Meter, meter))
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Record(instrument, value, tags));
            _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Record(instrument, value, tags));
            _listener.Start();
            _registry.AddBeforeCollectCallback(() =>
            {
                lock (_observeGate)
                {
                    _listener.RecordObservableInstruments();
                }
            });
        }

        /// <summary>The Prometheus text exposition format's content type.</summary>
        public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

        /// <summary>Every metric, as a scrape receives it.</summary>
        public Task WriteAsync(Stream destination, CancellationToken cancellationToken) =>
            _registry.CollectAndExportAsTextAsync(destination, cancellationToken);

        public void Dispose() => _listener.Dispose();

        private void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            var names = new string[tags.Length];
            var values = new string[tags.Length];
            for (int i = 0; i < tags.Length; i++)
            {
                names[i] = tags[i].Key;
                values[i] = Convert.ToString(tags[i].Value, System.Globalization.CultureInfo.InvariantCulture) ?? string.Empty;
            }
            Series series = _series.GetOrAdd(instrument, created => Create(created, names));
            series.Record(values, value);
        }

        private Series Create(Instrument instrument, string[] labelNames)
        {
            string name = instrument.Name.Replace('.', '_');
            string help = instrument.Description ?? instrument.Name;
            bool isCounter = instrument.GetType().IsGenericType && instrument.GetType().GetGenericTypeDefinition() == typeof(Counter<>);
            return isCounter
                ? new Series(_factory.CreateCounter(name + "_total", help, labelNames), null)
                : new Series(null, _factory.CreateGauge(name, help, labelNames));
        }

        private sealed class Series
        {
            private readonly global::Prometheus.Counter? _counter;
            private readonly global::Prometheus.Gauge? _gauge;

            public Series(global::Prometheus.Counter? counter, global::Prometheus.Gauge? gauge)
            {
                _counter = counter;
                _gauge = gauge;
            }

            public void Record(string[] labels, double value)
            {
                if (_counter != null)
                {
                    _counter.WithLabels(labels).Inc(value);
                }
                else
                {
                    _gauge!.WithLabels(labels).Set(value);
                }
            }
        }
    }
}
