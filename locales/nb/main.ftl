product-name = consent-link
footer = Sikret av consent-link. Ingenting deles uten ditt samtykke.
cancel = Avbryt
step-1 = Steg 1 av 3: velg innloggingsmetode
step-2 = Steg 2 av 3: logg inn
step-3 = Steg 3 av 3: samtykke

method-title = Velg hvordan du vil logge inn
method-intro = { $client } ønsker å se noe av den økonomiske informasjonen din. Først må du bekrefte hvem du er.
method-test-bankid = BankID (test)
method-test-bankid-hint = Testmodus: ingen ekte BankID, statiske testdata.
method-none = Ingen innloggingsmetode er tilgjengelig for denne lenken. Ta kontakt med tjenesten som sendte deg hit.

bankid-title = Test-BankID
bankid-intro = Dette er en test. Velg hvilken testperson du vil logge inn som.
bankid-legend = Testperson
bankid-submit = Logg inn
person-full = Fullstendige data i alle kategorier
person-no-loans = Ingen lån og ingen kjøretøy
person-cancels = Avbryter i BankID
person-fails = Datainnhentingen mislykkes
person-slow = Fullstendige data, hentet sakte (omtrent ti sekunder)
person-partial = Fullstendige data unntatt inntekt, som ikke kan hentes

consent-title = Del informasjonen din
consent-intro = { $client } ber om å se:
consent-accept = Del informasjonen min
consent-decline = Avslå
consent-note = Bare det som står her, blir delt, og bare med { $client }.

scope-vehicles = Kjøretøy
scope-vehicles-desc = Kjøretøy du eier, er medeier i eller leaser, fra motorvognregisteret.
scope-unsecured-loans = Usikret gjeld
scope-unsecured-loans-desc = Forbrukslån, kredittkort og rammekreditter fra Gjeldsregisteret.
scope-info = Personopplysninger
scope-info-desc = Navn, fødselsnummer, adresse, sivilstand og statsborgerskap fra Folkeregisteret.
scope-income = Inntekt
scope-income-desc = Lønnsslipper og arbeidsgivere fra a-ordningen.
scope-student-loan = Studielån
scope-student-loan-desc = Saldo, gebyrer og renter på studielånet ditt i Lånekassen.
scope-e-invoices = eFaktura
scope-e-invoices-desc = Fakturaer, beløp og forfallsdatoer fra eFaktura.
scope-unsecured-loans-presentation = Usikret gjeld, for å vise den til deg
scope-unsecured-loans-presentation-desc = Forbrukslån, kredittkort og rammekreditter fra Gjeldsregisteret, brukt bare til å vise deg gjelden din.
scope-unsecured-loans-processing = Usikret gjeld, for å behandle lånesøknaden din
scope-unsecured-loans-processing-desc = Forbrukslån, kredittkort og rammekreditter fra Gjeldsregisteret, brukt til å vurdere og behandle søknaden din om kreditt.
scope-tax-data-pdf = Skattedokumenter
scope-tax-data-pdf-desc = Skattemeldingen og skatteoppgjøret ditt (PDF) fra din digitale postkasse.
scope-tax-data-pdf-desc-entities = Skattemeldingen og skatteoppgjøret ditt (PDF) fra din digitale postkasse, og siste skattemelding, årsregnskap og aksjonærregisteroppgave for disse selskapene:
consent-tax-entity = Organisasjonsnummer { $number }

result-done-title = Ferdig
result-done = Informasjonen din er nå delt med { $client }.
result-error-title = Ikke fullført
result-cancelled = Du avbrøt. Ingenting ble delt med { $client }.
result-failed = Forespørselen kunne ikke fullføres. Ingenting ble delt med { $client }.
result-continue = Tilbake til { $client }
result-receipt = Last ned samtykkekvitteringen din

error-title = Noe gikk galt
error-unknown-client = Denne lenken er ikke gyldig: tjenesten som sendte deg hit, er ukjent. Gå tilbake og prøv igjen.
error-ambiguous-parameter = Denne lenken er ikke gyldig: den inneholder en parameter som er gjentatt eller motstridende. Gå tilbake og prøv igjen.
error-callback = Denne lenken er ikke gyldig: returadressen stemmer ikke med den som tjenesten som sendte deg hit, har registrert.
error-session-not-found = Denne økten finnes ikke. Start på nytt fra tjenesten som sendte deg hit.
error-session-expired = Denne økten er utløpt. Start på nytt fra tjenesten som sendte deg hit.
error-csrf = Skjemaet kunne ikke bekreftes. Last inn siden på nytt og prøv igjen.
error-out-of-order = Dette steget er ikke tilgjengelig ennå. Følg stegene i riktig rekkefølge.
error-already-completed = Denne økten er allerede fullført. Ingenting mer ble gjort.
error-invalid-form = Skjemaet var ufullstendig. Gå tilbake og prøv igjen.
error-not-found = Denne siden finnes ikke.
error-too-many-requests = Det ble startet for mange økter fra nettverket ditt akkurat nå. Vent litt og prøv igjen.
error-too-many-requests-title = Vent litt
error-internal = Det oppstod en uventet feil hos oss. Prøv igjen senere.
error-request-id = Referanse: { $id }

demo-title = consent-link-demo
demo-intro = Denne siden spiller rollen som nettstedet til en långiver og bruker demoklienten i testmodus. Alle flytene bruker test-BankID og statiske testdata.
demo-redirect = Integrasjon med videresending
demo-redirect-en = Start Link på engelsk
demo-redirect-nb = Start Link på norsk
demo-oauth = Start OAuth2-flyten (autorisasjonskode)
demo-iframe = Integrasjon i iframe
demo-iframe-start = Åpne Link i en iframe
demo-iframe-log = Meldinger mottatt fra Link
demo-noscript = Integrasjonen i iframe krever JavaScript på långiverens side. Integrasjonen med videresending ovenfor virker uten.
demo-callback-title = Resultat mottatt
demo-callback-intro = Link sendte disse parameterne til långiverens returadresse:
demo-back = Tilbake til demoen
demo-server-title = Hva långiverens server gjorde deretter
demo-server-intro = Med resultatet kalte demoens serverside consent-link med demoklientens hemmelighet (som aldri når nettleseren):
demo-server-none = Det kom ingen kode, så det var ingenting å lese.
demo-not-this-browser = Dette resultatet hører ikke til en flyt som denne nettleseren startet fra demosiden, så demoen leste ingen data. Start på nytt fra demosiden.
demo-data-title = Data som ble lest

method-hint = Logg inn med { $method }. Du blir sendt til innloggingssiden og deretter tilbake hit.
upstream-title = Logg inn med { $method }
upstream-intro-window = { $method } åpnes i et nytt vindu. Logg inn der. Denne siden går videre automatisk når du er ferdig.
upstream-intro-redirect = Du blir sendt til { $method } for å logge inn og deretter tilbake hit for å velge hva du vil dele.
upstream-open = Åpne { $method }
upstream-go = Gå videre til { $method }
upstream-waiting = Venter på at du logger inn.
upstream-continue = Jeg har logget inn
popup-done-title = Innlogget
popup-done = Du er logget inn. Lukk dette vinduet og fortsett i vinduet til { $client }.
popup-cancelled = Du avbrøt innloggingen. Lukk dette vinduet og gå tilbake til { $client }.
popup-failed = Innloggingen kunne ikke fullføres. Lukk dette vinduet og gå tilbake til { $client }.
result-unavailable-title = Innlogging er ikke tilgjengelig
result-unavailable = Innloggingstjenesten er ikke tilgjengelig akkurat nå, så ingenting ble delt med { $client }. Prøv igjen senere.
error-upstream-state = Denne innloggingen hører ikke til noen åpen økt: den er allerede brukt, er utløpt eller ble startet i en annen nettleser. Start på nytt fra tjenesten som sendte deg hit.

# Hvordan språket skriver datoer og beløp (norske kroner).
format-date = { $day }. { $month ->
        [1] januar
        [2] februar
        [3] mars
        [4] april
        [5] mai
        [6] juni
        [7] juli
        [8] august
        [9] september
        [10] oktober
        [11] november
       *[12] desember
    } { $year }
format-group = { "\u00A0" }
format-decimal = ,
format-amount-nok = { $amount } kr
person-hint = Født { $date }. { $description }
demo-summary-title = Kort oppsummert
demo-summary-born = Født
demo-summary-debt = Usikret gjeld
demo-summary-pay = Siste nettolønn
demo-summary-pay-value = { $amount } for perioden som sluttet { $date }
demo-summary-invoices = Ubetalte eFakturaer
error-session-expired-title = Lenken er utløpt
error-already-completed-title = Allerede fullført
error-method-unavailable = Denne innloggingsmetoden er ikke lenger tilgjengelig. Start på nytt fra tjenesten som sendte deg hit.
error-session-moved-title = Fortsetter i et annet vindu
error-session-moved = Du logget inn i et annet vindu, og økten fortsetter bare der. Av sikkerhetshensyn kan den ikke fortsettes fra denne siden.
popup-noscript = Uten JavaScript kan ikke dette vinduet gi innloggingen tilbake. Fortsett her i stedet:
popup-continue = Fortsett her
