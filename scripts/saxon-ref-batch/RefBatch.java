import java.io.File;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;

/**
 * Runs the reference validator's own pipeline (SaxonRef.validate: the official compiled XSLT under
 * Saxon-HE and the UBL XSD under JAXP, compiled once) over many files, like `saxon-ref check --json`,
 * but keeps going when a document makes a stylesheet raise a dynamic error (for example a cast of two
 * values): that document gets {"file", "error"} instead of stopping the whole run.
 * Compiled against the saxon-ref build (same default package); reads ARTIFACTS like SaxonRef.
 */
public class RefBatch {
    public static void main(String[] args) throws Exception {
        Path art = Paths.get(System.getenv().getOrDefault("ARTIFACTS", "../shared/artifacts"));
        SaxonRef.XSLT.put("CEN", SaxonRef.compile(art.resolve("schematron/cen/peppol-2026.5-3.0.21/CEN-EN16931-UBL.xslt")));
        SaxonRef.XSLT.put("PEPPOL", SaxonRef.compile(art.resolve("schematron/peppol/3.0.21/PEPPOL-EN16931-UBL.xslt")));
        SaxonRef.XSD.put("Invoice", SaxonRef.loadXsd(art.resolve("ubl-2.1-xsd/maindoc/UBL-Invoice-2.1.xsd")));
        SaxonRef.XSD.put("CreditNote", SaxonRef.loadXsd(art.resolve("ubl-2.1-xsd/maindoc/UBL-CreditNote-2.1.xsd")));
        PrintStream o = new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8);
        for (String f : args) {
            StringBuilder b = new StringBuilder("{\"file\":" + SaxonRef.js(f));
            try {
                List<SaxonRef.Fired> fired = SaxonRef.validate(Files.readAllBytes(Paths.get(f)), new File(f).toURI().toString());
                b.append(",\"fired\":[");
                for (int i = 0; i < fired.size(); i++) {
                    SaxonRef.Fired x = fired.get(i);
                    if (i > 0) b.append(',');
                    b.append("{\"layer\":").append(SaxonRef.js(x.layer())).append(",\"id\":").append(SaxonRef.js(x.id()))
                     .append(",\"flag\":").append(SaxonRef.js(x.flag())).append(",\"location\":").append(SaxonRef.js(x.location())).append('}');
                }
                b.append(']');
            } catch (Exception e) {
                String code = e instanceof net.sf.saxon.s9api.SaxonApiException && ((net.sf.saxon.s9api.SaxonApiException) e).getErrorCode() != null
                    ? ((net.sf.saxon.s9api.SaxonApiException) e).getErrorCode().getLocalName() + " " : "";
                b.append(",\"error\":").append(SaxonRef.js(code + SaxonRef.oneLine(e.getMessage())));
            }
            o.println(b.append('}'));
        }
    }
}
