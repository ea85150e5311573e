using System;
using System.IO;
using System.Text;
using System.Text.Json;

namespace OpenMsiStream.Processing
{
    /// <summary>
    /// Builds one JSON text, token by token, for code outside Core: the cmdlet assembly turns a
    /// script's output into result messages with it.
    /// </summary>
    /// <remarks>
    /// Why not Utf8JsonWriter directly: the cmdlet assembly sits in PowerShell's default load context
    /// and reaches Core across the module's own load context (see docs/architecture.md, "Loading").
    /// Anything it referenced besides Core and PowerShell would be bound in the default context, where
    /// another module's System.Text.Json may live; so it references only Core, and Core writes JSON.
    /// </remarks>
    public sealed class JsonTokenWriter : IDisposable
    {
        private readonly MemoryStream _buffer = new MemoryStream();
        private readonly Utf8JsonWriter _writer;

        public JsonTokenWriter() => _writer = new Utf8JsonWriter(_buffer);

        public void WriteStartObject() => _writer.WriteStartObject();

        public void WriteEndObject() => _writer.WriteEndObject();

        public void WriteStartArray() => _writer.WriteStartArray();

        public void WriteEndArray() => _writer.WriteEndArray();

        public void WritePropertyName(string name) => _writer.WritePropertyName(name);

        public void WriteStringValue(string value) => _writer.WriteStringValue(value);

        public void WriteBooleanValue(bool value) => _writer.WriteBooleanValue(value);

        public void WriteNullValue() => _writer.WriteNullValue();

        /// <summary>A number already formatted as JSON (invariant culture); written as is.</summary>
        public void WriteRawNumber(string json) => _writer.WriteRawValue(json);

        /// <summary>The JSON written so far (the writer must have closed every object and array).</summary>
        public override string ToString()
        {
            _writer.Flush();
            return Encoding.UTF8.GetString(_buffer.ToArray());
        }

        public void Dispose()
        {
            _writer.Dispose();
            _buffer.Dispose();
        }
    }
}
