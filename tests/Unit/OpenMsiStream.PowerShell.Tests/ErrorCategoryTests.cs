using System;
using System.Management.Automation;
using System.Reflection;
using OpenMsiStream.PowerShell.Tests.Support;
using Xunit;

namespace OpenMsiStream.PowerShell.Tests
{
    /// <summary>
    /// The category of the error record a cmdlet writes follows from its error id's kind. Most kinds
    /// cannot be provoked through a cmdlet here (a broker that refuses credentials, a disk that fails a
    /// read), so each example goes through the module's own record builder, found in the loaded module.
    /// </summary>
    [Collection(ModuleCollection.Name)]
    public class ErrorCategoryTests
    {
        private readonly ModuleFixture _module;

        public ErrorCategoryTests(ModuleFixture module) => _module = module;

        /// <summary>One id of each kind, as in the CLI's exit-code tests.</summary>
        [Theory]
        [InlineData("InvalidChunkSize", "InvalidArgument", ErrorCategory.InvalidArgument)]
        [InlineData("ConfigUnknownSection", "InvalidConfiguration", ErrorCategory.InvalidData)]
        [InlineData("FileNotFound", "ObjectNotFound", ErrorCategory.ObjectNotFound)]
        [InlineData("BrokerUnreachable", "ConnectionError", ErrorCategory.ConnectionError)]
        [InlineData("AuthenticationFailed", "AuthenticationError", ErrorCategory.AuthenticationError)]
        [InlineData("HashMismatch", "InvalidData", ErrorCategory.InvalidData)]
        [InlineData("FileUnreadable", "ReadError", ErrorCategory.ReadError)]
        [InlineData("OutputWriteFailed", "WriteError", ErrorCategory.WriteError)]
        [InlineData("ProcessingTimedOut", "OperationTimeout", ErrorCategory.OperationTimeout)]
        [InlineData("StateDirectoryInUse", "InvalidOperation", ErrorCategory.InvalidOperation)]
        public void TheCategoryFollowsFromTheIdsKind(string name, string kind, ErrorCategory category)
        {
            var cmdlets = (Assembly)Assert.Single(_module.Invoke("[OpenMsiStream.PowerShell.Commands.SendMsiDataFileCommand].Assembly")).BaseObject;
            MethodInfo from = cmdlets.GetType("OpenMsiStream.PowerShell.Infrastructure.ErrorRecords", throwOnError: true)!.GetMethod("From")!;
            Type exception = from.GetParameters()[0].ParameterType; // Core's, in the module's own load context
            object id = exception.Assembly.GetType("OpenMsiStream.Diagnostics.ErrorIds", throwOnError: true)!.GetField(name)!.GetValue(null)!;

            var record = (ErrorRecord)from.Invoke(null, new[] { Activator.CreateInstance(exception, id, "x", null, null), null })!;

            Assert.Equal(kind, exception.GetProperty("Kind")!.GetValue(record.Exception)!.ToString());
            Assert.Equal(name, record.FullyQualifiedErrorId);
            Assert.Equal(category, record.CategoryInfo.Category);
        }
    }
}
