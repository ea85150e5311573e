using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;

namespace OpenMsiStream.Cli.Infrastructure
{
    /// <summary>
    /// System.CommandLine's help, except that a subcommand listed with an optional argument shows it in
    /// brackets (`quickstart [<source-directory>]`), as its own usage line does; the library lists it as
    /// if it were required and has no way to change that.
    /// </summary>
    internal sealed class OptionalArgumentsHelp : SynchronousCommandLineAction
    {
        private readonly HelpAction _help;

        private OptionalArgumentsHelp(HelpAction help) => _help = help;

        /// <summary>Whether the command line asks for help (which wins over its other errors, such as a missing argument).</summary>
        public static bool IsHelp(CommandLineAction? action) => action is HelpAction || action is OptionalArgumentsHelp;

        public static void Install(RootCommand root)
        {
            foreach (HelpOption option in root.Options.OfType<HelpOption>())
            {
                if (option.Action is HelpAction help)
                {
                    option.Action = new OptionalArgumentsHelp(help);
                }
            }
        }

        public override int Invoke(ParseResult parseResult)
        {
            TextWriter output = parseResult.InvocationConfiguration.Output;
            var buffer = new StringWriter();
            parseResult.InvocationConfiguration.Output = buffer;
            int result;
            try
            {
                result = _help.Invoke(parseResult);
            }
            finally
            {
                parseResult.InvocationConfiguration.Output = output;
            }
            string text = buffer.ToString();
            foreach (Command command in parseResult.CommandResult.Command.Subcommands)
            {
                foreach (Argument argument in command.Arguments.Where(a => a.Arity.MinimumNumberOfValues == 0))
                {
                    // "  quickstart <source-directory>    Start…": two characters of the padding make room for the brackets.
                    string listed = Regex.Escape(command.Name + " <" + argument.Name + ">");
                    text = Regex.Replace(text, "(?m)^(\\s+)" + listed + "(  )?", m => m.Groups[1].Value + command.Name + " [<" + argument.Name + ">]");
                }
            }
            output.Write(text);
            return result;
        }
    }
}
