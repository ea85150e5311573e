namespace OpenMsiStream.Diagnostics
{
    /// <summary>
    /// A stable error id and its kind, declared once in <see cref="ErrorIds"/>. The kind belongs to the
    /// id, not to the place that throws it, so one id always gives the same CLI exit code and the same
    /// PowerShell error category. Converts to its name, so comparing with
    /// <see cref="OpenMsiStreamException.ErrorId"/> (a string) reads as before.
    /// </summary>
    public sealed class ErrorId
    {
        internal ErrorId(string name, ErrorKind kind)
        {
            Name = name;
            Kind = kind;
        }

        /// <summary>The id users' scripts and tests match, for example <c>FileNotFound</c>.</summary>
        public string Name { get; }

        /// <summary>What kind of failure the id reports.</summary>
        public ErrorKind Kind { get; }

        public override string ToString() => Name;

        public static implicit operator string(ErrorId id) => id.Name;
    }
}
