using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;
using System.Text;

namespace OpenMsiStream.PowerShell.Processing
{
    /// <summary>
    /// A script block made ready to run in other runspaces (as ForEach-Object -Parallel does): its text,
    /// with every <c>$using:name</c> replaced by a variable holding the caller's value of <c>$name</c>,
    /// taken once when the processor starts. The values are shared, not copied: a script that changes a
    /// shared object must lock it.
    /// </summary>
    internal sealed class IsolatedScript
    {
        private const string UsingPrefix = "__OpenMsiStreamUsing";

        private IsolatedScript(string text, IReadOnlyDictionary<string, object?> variables)
        {
            Text = text;
            Variables = variables;
        }

        /// <summary>The script to run (the block's body).</summary>
        public string Text { get; }

        /// <summary>Variables to define in each runspace, by name.</summary>
        public IReadOnlyDictionary<string, object?> Variables { get; }

        /// <param name="block">The script block as written by the user.</param>
        /// <param name="valueOf">Reads a variable of the caller's session; throws when it does not exist.</param>
        public static IsolatedScript From(ScriptBlock block, Func<string, object?> valueOf)
        {
            Ast ast = block.Ast;
            string text = ast.Extent.Text;
            int start = ast.Extent.StartOffset;
            var names = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            var variables = new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase);
            var replacements = new List<(int Offset, int Length, string Text)>();
            foreach (UsingExpressionAst usingAst in ast.FindAll(a => a is UsingExpressionAst, searchNestedScriptBlocks: true).Cast<UsingExpressionAst>())
            {
                string name = ((VariableExpressionAst)usingAst.SubExpression).VariablePath.UserPath;
                if (!names.TryGetValue(name, out string? local))
                {
                    local = UsingPrefix + names.Count;
                    names[name] = local;
                    variables[local] = valueOf(name);
                }
                replacements.Add((usingAst.Extent.StartOffset - start, usingAst.Extent.EndOffset - usingAst.Extent.StartOffset, "$" + local));
            }
            var rewritten = new StringBuilder(text);
            foreach ((int offset, int length, string replacement) in replacements.OrderByDescending(r => r.Offset))
            {
                rewritten.Remove(offset, length).Insert(offset, replacement);
            }
            string body = rewritten.ToString();
            if (ast.Parent is ScriptBlockExpressionAst)
            {
                body = body.Substring(1, body.Length - 2); // a { } literal's extent includes its braces; the body is what runs
            }
            return new IsolatedScript(body, variables);
        }
    }
}
