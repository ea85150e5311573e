using System;
using System.Linq;
using System.Reflection;
using OpenMsiStream.Diagnostics;
using Xunit;

namespace OpenMsiStream.Tests.Diagnostics
{
    /// <summary>Each error id is declared once, with its kind, and every error reported with it has that kind.</summary>
    public sealed class ErrorIdsTests
    {
        private static readonly FieldInfo[] Members = typeof(ErrorIds).GetFields(BindingFlags.Public | BindingFlags.Static);

        [Fact]
        public void EveryIdIsAnErrorIdWithAKindAndItsOwnUniqueName()
        {
            Assert.NotEmpty(Members);
            Assert.All(Members, member =>
            {
                var id = Assert.IsType<ErrorId>(member.GetValue(null));
                Assert.True(member.IsInitOnly, $"{member.Name} must be readonly");
                Assert.Equal(member.Name, id.Name); // the member is what the code says, the name what users match
                Assert.True(Enum.IsDefined(typeof(ErrorKind), id.Kind), $"{member.Name} has no kind");
            });
            string[] names = Members.Select(m => ((ErrorId)m.GetValue(null)!).Name).ToArray();
            Assert.Equal(names.Length, names.Distinct(StringComparer.OrdinalIgnoreCase).Count());
            Assert.DoesNotContain(typeof(ErrorIds).GetMembers(BindingFlags.Public | BindingFlags.Static | BindingFlags.DeclaredOnly), m => m.MemberType != MemberTypes.Field);
        }

        [Fact]
        public void AnErrorTakesItsKindFromItsIdAndShowsTheIdAsAString()
        {
            var error = new OpenMsiStreamException(ErrorIds.FileNotFound, "File 'x' does not exist.");

            Assert.Same(ErrorIds.FileNotFound, error.Id);
            Assert.Equal(ErrorKind.ObjectNotFound, error.Kind);
            Assert.Equal("FileNotFound", error.ErrorId);
            Assert.True(error.ErrorId == ErrorIds.FileNotFound);
            Assert.Equal("FileNotFound", ErrorIds.FileNotFound.ToString());
        }
    }
}
