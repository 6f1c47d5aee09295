// Compiles one TypeScript file to CommonJS without type checking, so that Node 20 (which has no
// type stripping of its own) can run it: `node strip-types.js in.ts out.js`.
const fs = require('fs');
const ts = require('typescript');

const [input, output] = process.argv.slice(2);
const result = ts.transpileModule(fs.readFileSync(input, 'utf8'), {
  compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2020, esModuleInterop: true },
  fileName: input,
  reportDiagnostics: true,
});
if (result.diagnostics && result.diagnostics.length > 0) {
  for (const diagnostic of result.diagnostics) {
    console.error(ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'));
  }
  process.exit(1);
}
fs.writeFileSync(output, result.outputText);
