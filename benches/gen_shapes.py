"""Files of other shapes than the office tree, for robustness and speed checks (see
BENCHMARKS.md, "Other shapes of data"): pretty FHIR JSON written one document after another,
HL7 v2, a CSV of figures, one 30 MB line, base64 mail, XML, logs with ids and addresses, a
matrix of space-separated numbers, UTF-16 notes, UTF-8 notes, a TSV export.
Python 3 standard library; deterministic.

    python3 benches/gen_shapes.py DIR [BYTES_PER_FILE]
"""
import random, base64, json, os, sys
random.seed(7)
D = sys.argv[1]
N = int(sys.argv[2]) if len(sys.argv) > 2 else 30_000_000
os.makedirs(D, exist_ok=True)
words = "the patient was seen today for follow up of chronic back pain and reports improvement with physical therapy plan continue current medications return in two weeks call the office with any questions home work contact phone birth date born service visit".split()
def prose(n):
    return " ".join(random.choice(words) for _ in range(n))
def w(name, gen, enc="utf-8"):
    parts=[]; size=0
    while size < N:
        s = gen(); parts.append(s); size += len(s)
    data = "".join(parts)
    with open(os.path.join(D,name),"wb") as f: f.write(data.encode(enc))
def d(): return f"{random.randint(1,12):02d}/{random.randint(1,28):02d}/{random.randint(1930,2020)}"
def iso(): return f"{random.randint(1930,2020)}-{random.randint(1,12):02d}-{random.randint(1,28):02d}"
def ssn(): return f"{random.randint(100,665)}-{random.randint(10,99)}-{random.randint(1000,9999)}"
# 1 FHIR-like pretty JSON
def fhir():
    p = {"resourceType":"Patient","id":f"{random.getrandbits(64):016x}","identifier":[{"type":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v2-0203","code":"MR"}]},"value":str(random.randint(10**7,10**8))}],
         "name":[{"family":"Smith","given":["John"]}],"gender":"male","birthDate":iso(),
         "address":[{"line":[f"{random.randint(1,9999)} Main St"],"city":"Springfield","postalCode":f"{random.randint(10000,99999)}"}],
         "extension":[{"url":"http://hl7.org/fhir/StructureDefinition/patient-birthPlace","valueDecimal":random.random()*1000} for _ in range(5)]}
    return json.dumps(p, indent=2) + "\n"
w("fhir.json", fhir)
# 2 HL7
def hl7():
    return (f"MSH|^~\\&|EPIC|HOSP|LAB|HOSP|20230101120000||ADT^A01|{random.randint(10**9,10**10)}|P|2.5\r"
            f"PID|1||{random.randint(10**6,10**7)}^^^HOSP^MR||DOE^JOHN||{iso().replace('-','')}|M|||123 MAIN ST^^CITY^ST^12345||(555)555-1234|||||{random.randint(10**8,10**9)}|{ssn()}\r"
            f"OBX|1|NM|2345-7^GLUCOSE||{random.randint(50,300)}|mg/dL|70-99|H|||F|||20230101120000\r\n")
w("msgs.hl7", hl7)
# 3 numeric CSV, no PHI headers
hdr = ",".join(f"v{i}" for i in range(30)) + "\n"
def numcsv():
    return ",".join(f"{random.random()*1000:.4f}" for _ in range(30)) + "\n"
with open(D+"/numbers.csv","w") as f:
    f.write(hdr); s=0
    while s < N:
        l = numcsv(); f.write(l); s += len(l)
# 4 one long line of prose
with open(D+"/oneline.txt","w") as f:
    s=0
    while s < N:
        l = prose(1000) + f" id {random.randint(10**8,10**9)} on {d()} "; f.write(l); s += len(l)
# 5 base64 email
def b64():
    raw = random.randbytes(40000)
    return "From: a@b.com\nSubject: scan\nContent-Type: application/pdf\nContent-Transfer-Encoding: base64\n\n" + base64.encodebytes(raw).decode() + "\n"
w("mail.eml.txt", b64)
# 6 XML
def xml():
    return f"<patient><id root=\"2.16.840.1.113883.19.5\" extension=\"{random.randint(10**6,10**7)}\"/><birthTime value=\"{iso().replace('-','')}\"/><obs code=\"{random.randint(1000,99999)}-{random.randint(0,9)}\" value=\"{random.random()*100:.3f}\" unit=\"mg/dL\" time=\"20230101{random.randint(0,235959):06d}\"/></patient>\n"
w("cda.xml", xml)
# 7 logs with uuids, ips, hex
def log():
    return f"2023-01-{random.randint(1,28):02d}T{random.randint(0,23):02d}:{random.randint(0,59):02d}:{random.randint(0,59):02d}.{random.randint(0,999999):06d}Z INFO req={random.getrandbits(128):032x} ip=10.{random.randint(0,255)}.{random.randint(0,255)}.{random.randint(0,255)} dur={random.randint(1,99999)}us bytes={random.randint(1,10**9)} trace={random.getrandbits(64):x}\n"
w("app.log", log)
# 8 digit matrix
def mat():
    return " ".join(str(random.randint(0,10**random.randint(1,12))) for _ in range(20)) + "\n"
w("matrix.txt", mat)
# 9 UTF-16 notes with SSNs
def note():
    return prose(40) + f" SSN {ssn()} DOB {d()} phone (555) {random.randint(200,999)}-{random.randint(1000,9999)}\n"
w("notes16.txt", note, "utf-16")
# 10 dense PHI prose (labelled)
w("notes8.txt", note)
# 11 tab-separated export with PHI headers
def tsv():
    return f"{random.randint(10**6,10**7)}\tDoe\tJane\t{d()}\t{ssn()}\t{random.randint(200,999)}-{random.randint(200,999)}-{random.randint(1000,9999)}\t{random.choice(['A','B'])}{random.randint(10**8,10**9)}\n"
with open(D+"/export.tsv","w") as f:
    f.write("MRN\tLast\tFirst\tDOB\tSSN\tPhone\tMember ID\n"); s=0
    while s < N:
        l=tsv(); f.write(l); s+=len(l)
