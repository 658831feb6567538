product-name = consent-link
footer = Sikret af consent-link. Intet deles uden dit samtykke.
cancel = Afbryd
step-1 = Trin 1 af 3: vælg, hvordan du logger ind
step-2 = Trin 2 af 3: log ind
step-3 = Trin 3 af 3: samtykke

method-title = Vælg, hvordan du vil logge ind
method-intro = { $client } vil gerne se nogle af dine økonomiske oplysninger. Først skal du bekræfte, hvem du er.
method-test-bankid = BankID (test)
method-test-bankid-hint = Testtilstand: intet rigtigt BankID, statiske testdata.
method-none = Der er ingen login-metode til rådighed for dette link. Kontakt den tjeneste, der sendte dig hertil.

bankid-title = Test-BankID
bankid-intro = Dette er en test. Vælg en testperson, du vil logge ind som.
bankid-legend = Testperson
bankid-submit = Log ind
person-full = Fuldstændige data i alle kategorier
person-no-loans = Ingen lån og ingen køretøjer
person-cancels = Afbryder i BankID
person-fails = Indhentningen af data mislykkes
person-slow = Fuldstændige data, hentes langsomt (omkring ti sekunder)
person-partial = Fuldstændige data undtagen indkomst, som ikke kan hentes

consent-title = Del dine oplysninger
consent-intro = { $client } beder om at se:
consent-accept = Del mine oplysninger
consent-decline = Afvis
consent-note = Kun det, der står her, deles, og kun med { $client }.

scope-vehicles = Køretøjer
scope-vehicles-desc = Køretøjer, du ejer, er medejer af eller leaser, fra det norske køretøjsregister.
scope-unsecured-loans = Usikret gæld
scope-unsecured-loans-desc = Forbrugslån, kreditkort og kassekreditter fra det norske gældsregister (Gjeldsregisteret).
scope-info = Personoplysninger
scope-info-desc = Navn, personnummer, adresse, civilstand og statsborgerskab fra det norske folkeregister (Folkeregisteret).
scope-income = Indkomst
scope-income-desc = Lønsedler og arbejdsgivere fra arbejdsgivernes indberetninger i Norge (a-ordningen).
scope-student-loan = Studielån
scope-student-loan-desc = Saldo, gebyrer og renter på dit studielån hos Lånekassen i Norge.
scope-e-invoices = E-fakturaer
scope-e-invoices-desc = Fakturaer, beløb og forfaldsdatoer fra din e-fakturaudbyder.
scope-unsecured-loans-presentation = Usikret gæld, for at vise den til dig
scope-unsecured-loans-presentation-desc = Forbrugslån, kreditkort og kassekreditter fra det norske gældsregister (Gjeldsregisteret), brugt kun til at vise dig din gæld.
scope-unsecured-loans-processing = Usikret gæld, for at behandle din låneansøgning
scope-unsecured-loans-processing-desc = Forbrugslån, kreditkort og kassekreditter fra det norske gældsregister (Gjeldsregisteret), brugt til at vurdere og behandle din ansøgning om kredit.
scope-tax-data-pdf = Skattedokumenter
scope-tax-data-pdf-desc = Din norske selvangivelse og skatteopgørelse (PDF) fra din digitale postkasse.
scope-tax-data-pdf-desc-entities = Din norske selvangivelse og skatteopgørelse (PDF) fra din digitale postkasse, og de seneste skatte-, års- og aktionærrapporter for disse virksomheder:
consent-tax-entity = Organisationsnummer { $number }

result-done-title = Færdig
result-done = Dine oplysninger er nu delt med { $client }.
result-error-title = Ikke gennemført
result-cancelled = Du afbrød. Intet blev delt med { $client }.
result-failed = Anmodningen kunne ikke gennemføres. Intet blev delt med { $client }.
result-continue = Tilbage til { $client }
result-receipt = Hent din samtykkekvittering

error-title = Noget gik galt
error-unknown-client = Dette link er ikke gyldigt: den tjeneste, der sendte dig hertil, er ukendt. Gå tilbage og prøv igen.
error-ambiguous-parameter = Dette link er ikke gyldigt: det indeholder en gentaget eller modstridende parameter. Gå tilbage og prøv igen.
error-callback = Dette link er ikke gyldigt: returadressen stemmer ikke overens med den, som tjenesten, der sendte dig hertil, har registreret.
error-session-not-found = Denne session findes ikke. Start forfra hos den tjeneste, der sendte dig hertil.
error-session-expired = Denne session er udløbet. Start forfra hos den tjeneste, der sendte dig hertil.
error-csrf = Formularen kunne ikke bekræftes. Genindlæs siden og prøv igen.
error-out-of-order = Dette trin er ikke tilgængeligt endnu. Følg trinnene i den rigtige rækkefølge.
error-already-completed = Denne session er allerede gennemført. Der blev ikke gjort mere.
error-invalid-form = Formularen var ufuldstændig. Gå tilbage og prøv igen.
error-not-found = Denne side findes ikke.
error-too-many-requests = Der blev startet for mange sessioner fra dit netværk lige nu. Vent et øjeblik, og prøv igen.
error-too-many-requests-title = Vent et øjeblik
error-internal = Der opstod en uventet fejl hos os. Prøv igen senere.
error-request-id = Reference: { $id }

demo-title = consent-link-demo
demo-intro = Denne side spiller rollen som en långivers websted og bruger demoklienten i testtilstand. Alle forløb bruger test-BankID og statiske testdata.
demo-redirect = Integration med omdirigering
demo-redirect-en = Start Link på engelsk
demo-redirect-nb = Start Link på norsk
demo-oauth = Start OAuth2-forløbet (autorisationskode)
demo-iframe = Integration i iframe
demo-iframe-start = Åbn Link i en iframe
demo-iframe-log = Beskeder modtaget fra Link
demo-noscript = Integrationen i iframe kræver JavaScript på långiverens side. Integrationen med omdirigering ovenfor virker uden.
demo-callback-title = Resultat modtaget
demo-callback-intro = Link sendte disse parametre til långiverens returadresse:
demo-back = Tilbage til demoen
demo-server-title = Hvad långiverens server gjorde derefter
demo-server-intro = Med resultatet kaldte demoens serverside consent-link med demoklientens hemmelighed (som aldrig når browseren):
demo-server-none = Der var ingen kode, så der var intet at læse.
demo-not-this-browser = Dette resultat hører ikke til et forløb, som denne browser startede fra demosiden, så demoen læste ingen data. Start forfra fra demosiden.
demo-data-title = Læste data

method-hint = Log ind med { $method }. Du sendes til login-siden og tilbage hertil.
upstream-title = Log ind med { $method }
upstream-intro-window = { $method } åbnes i et nyt vindue. Log ind der. Denne side fortsætter automatisk, når du er færdig.
upstream-intro-redirect = Du sendes til { $method } for at logge ind og derefter tilbage hertil for at vælge, hvad du vil dele.
upstream-open = Åbn { $method }
upstream-go = Fortsæt til { $method }
upstream-waiting = Venter på, at du logger ind.
upstream-continue = Jeg har logget ind
popup-done-title = Logget ind
popup-done = Du er logget ind. Luk dette vindue, og fortsæt i vinduet hos { $client }.
popup-cancelled = Du afbrød login. Luk dette vindue, og vend tilbage til { $client }.
popup-failed = Login kunne ikke gennemføres. Luk dette vindue, og vend tilbage til { $client }.
result-unavailable-title = Login er ikke tilgængeligt
result-unavailable = Login-tjenesten er ikke tilgængelig lige nu, så intet blev delt med { $client }. Prøv igen senere.
error-upstream-state = Dette login hører ikke til nogen åben session: det er allerede blevet brugt, er udløbet eller blev startet i en anden browser. Start forfra hos den tjeneste, der sendte dig hertil.

# Hvordan sproget skriver datoer og beløb (norske kroner).
format-date = { $day }. { $month ->
        [1] januar
        [2] februar
        [3] marts
        [4] april
        [5] maj
        [6] juni
        [7] juli
        [8] august
        [9] september
        [10] oktober
        [11] november
       *[12] december
    } { $year }
format-group = .
format-decimal = ,
format-amount-nok = { $amount } NOK
person-hint = Født { $date }. { $description }
demo-summary-title = Kort fortalt
demo-summary-born = Født
demo-summary-debt = Usikret gæld
demo-summary-pay = Seneste nettoløn
demo-summary-pay-value = { $amount } for perioden, der sluttede { $date }
demo-summary-invoices = Ubetalte e-fakturaer
error-session-expired-title = Linket er udløbet
error-already-completed-title = Allerede gennemført
error-method-unavailable = Denne loginmetode er ikke længere tilgængelig. Start forfra hos den tjeneste, der sendte dig hertil.
error-session-moved-title = Fortsætter i et andet vindue
error-session-moved = Du loggede ind i et andet vindue, og sessionen fortsætter kun der. Af sikkerhedshensyn kan den ikke fortsættes fra denne side.
popup-noscript = Uden JavaScript kan dette vindue ikke give login tilbage. Fortsæt her i stedet:
popup-continue = Fortsæt her
